using System.Runtime.InteropServices;

namespace RenderFarm.Protos.Media.Beneath;

/// <summary>
/// The Linux system calls behind <see cref="MediaDirectory"/>: <c>openat2</c> with <c>RESOLVE_BENEATH</c>, the
/// <c>*at</c> calls that act on a name inside an open folder, and <c>statx</c> on an open file. Flag values differ
/// between architectures (O_DIRECTORY, O_NOFOLLOW); both x86-64 and arm64 are covered.
/// </summary>
internal static unsafe partial class LinuxCalls
{
    private const long SysOpenat2 = 437; // the same number on every architecture (added after the syscall table unification)

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoCtty = 0x100;
    public const int ONonBlock = 0x800; // the same on x86-64 and arm64
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;
    public static readonly int ODirectory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveNoSymlinks = 0x04;
    public const ulong ResolveBeneath = 0x08;

    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint RenameNoReplace = 1;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;

    public const uint StatxBasicStats = 0x7ff;
    public const int SIfMt = 0xF000;
    public const int SIfReg = 0x8000;
    public const int SIfDir = 0x4000;

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>The kernel's <c>struct statx</c> (256 bytes; the same layout on every architecture).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long CtimeSeconds;
        [FieldOffset(104)] public uint CtimeNanoseconds;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int dirfd, byte* path, OpenHow* how, nuint size);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtRaw(int dirfd, byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static partial int MkdirAtRaw(int dirfd, byte* path, uint mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static partial int UnlinkAtRaw(int dirfd, byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static partial int RenameAt2Raw(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    private static partial int SymlinkAtRaw(byte* target, int newdirfd, byte* linkpath);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxRaw(int dirfd, byte* path, int flags, uint mask, Statx* buffer);

    /// <summary><c>openat2</c>; returns the descriptor, or -errno.</summary>
    public static int OpenAt2(int dirfd, string path, int flags, uint mode, ulong resolve)
    {
        return Retry(() =>
        {
            var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = mode, Resolve = resolve };
            fixed (byte* p = Utf8(path))
            {
                var fd = Syscall(SysOpenat2, dirfd, p, &how, (nuint)sizeof(OpenHow));
                return fd >= 0 ? (int)fd : -Marshal.GetLastPInvokeError();
            }
        });
    }

    /// <summary><c>openat</c>; returns the descriptor, or -errno.</summary>
    public static int OpenAt(int dirfd, string path, int flags, uint mode) => Retry(() =>
    {
        fixed (byte* p = Utf8(path))
        {
            var fd = OpenAtRaw(dirfd, p, flags, mode);
            return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
        }
    });

    public static int MkdirAt(int dirfd, string name, uint mode)
    {
        fixed (byte* p = Utf8(name)) return MkdirAtRaw(dirfd, p, mode) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public static int UnlinkAt(int dirfd, string name, int flags)
    {
        fixed (byte* p = Utf8(name)) return UnlinkAtRaw(dirfd, p, flags) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public static int RenameAt2(int olddirfd, string oldName, int newdirfd, string newName, uint flags)
    {
        fixed (byte* o = Utf8(oldName))
        fixed (byte* n = Utf8(newName))
        {
            return RenameAt2Raw(olddirfd, o, newdirfd, n, flags) == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    public static int SymlinkAt(string target, int dirfd, string name)
    {
        fixed (byte* t = Utf8(target))
        fixed (byte* n = Utf8(name))
        {
            return SymlinkAtRaw(t, dirfd, n) == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary><c>statx</c> of an open descriptor (<c>AT_EMPTY_PATH</c>); returns 0 or -errno.</summary>
    public static int StatFd(int fd, out Statx stat)
    {
        Statx buffer;
        fixed (byte* p = Utf8(""))
        {
            var result = StatxRaw(fd, p, AtEmptyPath, StatxBasicStats, &buffer);
            stat = buffer;
            return result == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    private static byte[] Utf8(string value)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
        System.Text.Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static int Retry(Func<int> call)
    {
        for (var i = 0; ; i++)
        {
            var result = call();
            // EAGAIN from openat2: a rename or mount raced the lookup beneath the folder; the kernel asks to try again.
            if ((result == -EINTR || result == -EAGAIN) && i < 16) continue;
            return result;
        }
    }
}
