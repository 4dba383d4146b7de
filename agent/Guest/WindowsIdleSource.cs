using System.Runtime.InteropServices;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// Windows: <c>GetLastInputInfo</c>, the last input in the agent's own session. An agent run as a service lives in
/// session 0, which has no input: run it in the owner's session (a logon task) to watch the owner's activity.
/// </summary>
public sealed class WindowsIdleSource : IIdleSource
{
    [StructLayout(LayoutKind.Sequential)]
    private struct LastInputInfo
    {
        public uint Size;
        public uint Time;
    }

    public TimeSpan? IdleFor(DateTimeOffset now)
    {
        if (!OperatingSystem.IsWindows()) return null;
        var info = new LastInputInfo { Size = (uint)Marshal.SizeOf<LastInputInfo>() };
        if (!GetLastInputInfo(ref info)) return null;
        return TimeSpan.FromMilliseconds(unchecked((uint)Environment.TickCount - info.Time));
    }

    [DllImport("user32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool GetLastInputInfo(ref LastInputInfo info);
}
