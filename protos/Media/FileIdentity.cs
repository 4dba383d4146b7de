using System.Runtime.InteropServices;

namespace RenderFarm.Protos.Media;

/// <summary>
/// Which file a path reaches: its device and inode, read with Linux's <c>statx</c> (whose layout is the same on every
/// architecture), so two paths are compared by the file they lead to rather than by their text. A hard link, a link
/// to a folder above, or a second mount of the same folder all give the same identity.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;
    private const int StatxSize = 256;

    /// <summary>The identity of the file <paramref name="path"/> leads to (links followed); null when it does not exist, or on a platform without <c>statx</c>.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0) return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        var span = buffer.AsSpan();
        if ((MemoryMarshal.Read<uint>(span) & StatxIno) == 0) return null;
        var inode = MemoryMarshal.Read<ulong>(span[32..]);
        var device = ((ulong)MemoryMarshal.Read<uint>(span[136..]) << 32) | MemoryMarshal.Read<uint>(span[140..]);
        return new FileIdentity(device, inode);
    }

    /// <summary>
    /// Whether two paths reach the same file: the same real path (links followed), or, when both exist, the same
    /// device and inode.
    /// </summary>
    public static bool Same(string a, string b) =>
        PathSafety.RealPath(a) == PathSafety.RealPath(b) || (Of(a) is { } x && Of(b) is { } y && x == y);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
