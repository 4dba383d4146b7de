using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Agent.Guest;

/// <summary>macOS: <c>HIDIdleTime</c> (nanoseconds since the last keyboard or mouse input) from <c>ioreg -c IOHIDSystem</c>.</summary>
public sealed partial class MacIdleSource : IIdleSource
{
    public TimeSpan? IdleFor(DateTimeOffset now)
    {
        try
        {
            var start = new ProcessStartInfo("ioreg") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-c", "IOHIDSystem", "-d", "4" }) start.ArgumentList.Add(a);
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            var match = HidIdle().Match(output);
            return match.Success ? TimeSpan.FromTicks(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) / 100) : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"""HIDIdleTime""\s*=\s*(\d+)")]
    private static partial Regex HidIdle();
}
