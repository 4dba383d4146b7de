using Microsoft.Win32.SafeHandles;
using static RenderFarm.Protos.Media.Beneath.LinuxCalls;

namespace RenderFarm.Protos.Media.Beneath;

/// <summary>
/// A folder opened once, beneath a media root, through which every file under it is reached. Paths are resolved by
/// the kernel (<c>openat2</c> with <c>RESOLVE_BENEATH</c>), component by component, against this open folder: a
/// relative link that stays beneath it is followed, anything that leads out (<c>..</c> past it, an absolute link, a
/// link that climbs out, a <c>/proc</c> magic link) is refused, and a name swapped for a link after a check is
/// resolved the same way when it is used. Files are opened without side effects first (<c>O_PATH</c>), checked
/// (a regular file, never a FIFO, device or socket, so no open can block), and only then opened for reading.
/// Renames, removals and new names act on a single name inside an open folder (<c>renameat2</c>, <c>unlinkat</c>,
/// <c>mkdirat</c>), never on a path that is looked up again.
/// </summary>
/// <remarks>Linux only (kernel 5.6 or later); elsewhere <see cref="OpenRoot"/> refuses with a message.</remarks>
public sealed class MediaDirectory : IDisposable
{
    private readonly SafeFileHandle _handle;

    private MediaDirectory(SafeFileHandle handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    /// <summary>The path it was opened by (for messages only).</summary>
    public string Name { get; }

    /// <summary>A name that leads to this open folder for other processes of the same user: <c>/proc/PID/fd/N</c>.</summary>
    public string ProcessPath => ProcessPathOf(_handle);

    public FileIdentity Identity => Stat(_handle, Name).Identity;

    /// <summary>
    /// Opens a media root itself. The root's own path is the operator's, so links along it are followed; everything
    /// beneath it is then reached through this handle.
    /// </summary>
    public static MediaDirectory OpenRoot(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "media roots are opened with openat2, which needs Linux 5.6 or later; on other systems run the agent with --Agent:Storage=Transfer");
        }

        var fd = OpenAt(-100 /* AT_FDCWD */, path, OPath | ODirectory | OCloExec, 0);
        if (fd < 0) throw Refusal(path, -fd, "media root");
        return new MediaDirectory(new SafeFileHandle(fd, ownsHandle: true), path);
    }

    /// <summary>Opens a folder beneath this one; with <paramref name="create"/>, makes its last part first when missing.</summary>
    public MediaDirectory OpenDirectory(string relativePath, bool create = false)
    {
        var path = Relative(relativePath);
        if (create && path != ".")
        {
            var (parent, name) = Split(path);
            using var owner = parent == "." ? null : OpenDirectory(parent);
            var result = MkdirAt(Fd(owner ?? this), name, 0x1ED /* 0755 */);
            if (result < 0 && -result != EEXIST) throw Refusal(Join(relativePath), -result, "folder");
        }

        var fd = OpenAt2(Fd(this), path, OPath | ODirectory | OCloExec, 0, ResolveBeneath | ResolveNoMagicLinks);
        if (fd < 0) throw Refusal(Join(relativePath), -fd, "folder");
        return new MediaDirectory(new SafeFileHandle(fd, ownsHandle: true), Join(relativePath));
    }

    /// <summary>
    /// Opens a folder beneath this one, making every missing part of <paramref name="relativePath"/> on the way. Each
    /// part is made inside its parent opened beneath this folder, so a part swapped for a link that leads out is
    /// refused, never created through.
    /// </summary>
    public MediaDirectory CreateDirectories(string relativePath)
    {
        var path = Relative(relativePath).Trim('/');
        if (path.Length == 0 || path == ".") return OpenDirectory(".");
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var retries = 0;
        for (var i = 1; i <= parts.Length; i++)
        {
            var prefix = string.Join('/', parts[..i]);
            var fd = OpenAt2(Fd(this), prefix, OPath | ODirectory | OCloExec, 0, ResolveBeneath | ResolveNoMagicLinks);
            if (fd >= 0)
            {
                if (i == parts.Length) return new MediaDirectory(new SafeFileHandle(fd, ownsHandle: true), Join(prefix));
                new SafeFileHandle(fd, ownsHandle: true).Dispose();
                continue;
            }

            if (-fd != ENOENT || ++retries > 16) throw Refusal(Join(prefix), -fd, "folder");
            using (var parent = i == 1 ? OpenDirectory(".") : OpenDirectory(string.Join('/', parts[..(i - 1)])))
            {
                var made = MkdirAt(Fd(parent), SingleName(parts[i - 1]), 0x1ED /* 0755 */);
                if (made < 0 && -made != EEXIST) throw Refusal(Join(prefix), -made, "folder");
            }

            i--; // open what was just made (or what another caller made meanwhile)
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// Makes a new folder named <paramref name="name"/> here and opens it, refusing a name that exists (a folder of
    /// one's own, such as a scratch folder, never reuses somebody else's).
    /// </summary>
    public MediaDirectory CreateDirectory(string name, uint mode = 0x1C0 /* 0700 */)
    {
        var result = MkdirAt(Fd(this), SingleName(name), mode);
        if (result < 0) throw Refusal(Join(name), -result, "folder");
        var fd = OpenAt2(Fd(this), name, OPath | ODirectory | OCloExec | ONoFollow, 0, ResolveBeneath | ResolveNoSymlinks);
        if (fd < 0) throw Refusal(Join(name), -fd, "folder");
        return new MediaDirectory(new SafeFileHandle(fd, ownsHandle: true), Join(name));
    }

    /// <summary>Opens a regular file beneath this folder for reading, once, and returns that open file.</summary>
    public MediaFile OpenFile(string relativePath)
    {
        var path = Relative(relativePath);
        var fd = OpenAt2(Fd(this), path, OPath | OCloExec, 0, ResolveBeneath | ResolveNoMagicLinks);
        if (fd < 0) throw Refusal(Join(relativePath), -fd, "file");
        using var located = new SafeFileHandle(fd, ownsHandle: true);
        var facts = Stat(located, Join(relativePath));
        if (facts.Kind != FileKind.Regular)
        {
            throw new MediaAccessException(facts.Kind == FileKind.Directory
                ? $"'{Join(relativePath)}' is a folder, not a file"
                : $"'{Join(relativePath)}' is a device, pipe or socket, not a regular file");
        }

        // Re-opened through the located handle itself: the same file, whatever its name leads to by now.
        var readable = OpenAt(-100, ProcessPathOf(located, self: true), ORdOnly | ONoCtty | OCloExec, 0);
        if (readable < 0) throw Refusal(Join(relativePath), -readable, "file");
        return new MediaFile(new SafeFileHandle(readable, ownsHandle: true), facts, Join(relativePath));
    }

    /// <summary>Whether a name exists here (a file, folder or link; links are not followed).</summary>
    public bool Contains(string name)
    {
        var fd = OpenAt2(Fd(this), SingleName(name), OPath | ONoFollow | OCloExec, 0, ResolveBeneath | ResolveNoSymlinks);
        if (fd >= 0)
        {
            new SafeFileHandle(fd, ownsHandle: true).Dispose();
            return true;
        }

        return -fd switch
        {
            ENOENT => false,
            ELOOP => true, // a link: it is there, and it is not followed
            _ => throw Refusal(Join(name), -fd, "file"),
        };
    }

    /// <summary>
    /// Creates a new regular file named <paramref name="name"/> here for writing; never follows a link at that name,
    /// and with <paramref name="exclusive"/> refuses a name that exists.
    /// </summary>
    public FileStream CreateFile(string name, bool exclusive = true, int bufferSize = 1 << 16)
    {
        // O_NONBLOCK: a FIFO put at the name is refused at once (ENXIO, or by the kind check) instead of blocking the open.
        var flags = OWrOnly | OCreat | OCloExec | ONoFollow | ONoCtty | ONonBlock | (exclusive ? OExcl : 0);
        var fd = OpenAt2(Fd(this), SingleName(name), flags, 0x1A4 /* 0644 */, ResolveBeneath | ResolveNoSymlinks);
        if (fd < 0) throw Refusal(Join(name), -fd, "file");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Stat(handle, Join(name)).Kind != FileKind.Regular)
        {
            handle.Dispose();
            throw new MediaAccessException($"'{Join(name)}' is not a regular file");
        }

        return new FileStream(handle, FileAccess.Write, bufferSize);
    }

    /// <summary>Opens an existing regular file here for appending (a resumed upload); never follows a link at that name.</summary>
    public FileStream OpenForAppend(string name, int bufferSize = 1 << 16)
    {
        var fd = OpenAt2(Fd(this), SingleName(name), OWrOnly | OCloExec | ONoFollow | ONoCtty | ONonBlock, 0, ResolveBeneath | ResolveNoSymlinks);
        if (fd < 0) throw Refusal(Join(name), -fd, "file");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Stat(handle, Join(name)).Kind != FileKind.Regular)
        {
            handle.Dispose();
            throw new MediaAccessException($"'{Join(name)}' is not a regular file");
        }

        var stream = new FileStream(handle, FileAccess.Write, bufferSize);
        stream.Seek(0, SeekOrigin.End);
        return stream;
    }

    /// <summary>
    /// Renames <paramref name="name"/> here to <paramref name="newName"/> in <paramref name="target"/>, atomically;
    /// without <paramref name="replace"/> an existing <paramref name="newName"/> is left alone and the rename refused.
    /// </summary>
    public void Rename(string name, MediaDirectory target, string newName, bool replace)
    {
        var result = RenameAt2(Fd(this), SingleName(name), Fd(target), SingleName(newName), replace ? 0 : RenameNoReplace);
        if (result < 0) throw Refusal(target.Join(newName), -result, "file");
    }

    /// <summary>Removes the file or link <paramref name="name"/> here (a link itself, never what it leads to).</summary>
    public bool DeleteFile(string name)
    {
        var result = UnlinkAt(Fd(this), SingleName(name), 0);
        if (result == 0) return true;
        if (-result == ENOENT) return false;
        throw Refusal(Join(name), -result, "file");
    }

    /// <summary>
    /// Removes <paramref name="name"/> here with everything inside it. Links inside are removed, never followed, so
    /// nothing outside this folder is touched; a <paramref name="name"/> that is itself a link is removed as a link.
    /// </summary>
    public bool DeleteTree(string name)
    {
        var fd = OpenAt2(Fd(this), SingleName(name), OPath | ODirectory | ONoFollow | OCloExec, 0, ResolveBeneath | ResolveNoSymlinks);
        if (fd < 0)
        {
            return -fd switch
            {
                ENOENT => false,
                ENOTDIR or ELOOP => DeleteFile(name), // a file, or a link: the name goes, what a link leads to stays
                _ => throw Refusal(Join(name), -fd, "folder"),
            };
        }

        using (var folder = new MediaDirectory(new SafeFileHandle(fd, ownsHandle: true), Join(name)))
        {
            foreach (var entry in folder.List())
            {
                folder.DeleteTree(entry);
            }
        }

        var result = UnlinkAt(Fd(this), name, AtRemoveDir);
        if (result == 0 || -result == ENOENT) return true;
        throw Refusal(Join(name), -result, "folder");
    }

    /// <summary>The names in this folder (not recursive; links are listed, not followed).</summary>
    public IReadOnlyList<string> List() =>
        new DirectoryInfo(ProcessPathOf(_handle, self: true)).EnumerateFileSystemInfos().Select(e => e.Name).ToList();

    /// <summary>Makes a link named <paramref name="name"/> here that leads to <paramref name="target"/>.</summary>
    public void CreateLink(string name, string target)
    {
        var result = SymlinkAt(target, Fd(this), SingleName(name));
        if (result < 0) throw Refusal(Join(name), -result, "link");
    }

    public void Dispose() => _handle.Dispose();

    internal static string ProcessPathOf(SafeFileHandle handle, bool self = false) =>
        self ? $"/proc/self/fd/{handle.DangerousGetHandle()}" : $"/proc/{Environment.ProcessId}/fd/{handle.DangerousGetHandle()}";

    internal static FileFacts Stat(SafeFileHandle handle, string name)
    {
        var result = StatFd((int)handle.DangerousGetHandle(), out var stat);
        if (result < 0) throw Refusal(name, -result, "file");
        var kind = (stat.Mode & SIfMt) switch
        {
            SIfReg => FileKind.Regular,
            SIfDir => FileKind.Directory,
            _ => FileKind.Other,
        };
        var lastWrite = DateTimeOffset.FromUnixTimeSeconds(stat.MtimeSeconds).AddTicks(stat.MtimeNanoseconds / 100);
        return new FileFacts(new FileIdentity(stat.DevMajor, stat.DevMinor, stat.Inode), kind, (long)stat.Size, lastWrite);
    }

    internal static FileStamp StampOf(SafeFileHandle handle, string name)
    {
        var result = StatFd((int)handle.DangerousGetHandle(), out var stat);
        if (result < 0) throw Refusal(name, -result, "file");
        return new FileStamp((long)stat.Size, (stat.MtimeSeconds * 1_000_000_000L) + stat.MtimeNanoseconds, (stat.CtimeSeconds * 1_000_000_000L) + stat.CtimeNanoseconds);
    }

    private static int Fd(MediaDirectory directory) => (int)directory._handle.DangerousGetHandle();

    private string Join(string relative) => Name.Length == 0 ? relative : $"{Name.TrimEnd('/')}/{relative}";

    private static string Relative(string path)
    {
        if (path.Length == 0) return ".";
        if (path.Contains('\0')) throw new MediaAccessException("a path must not contain NUL characters");
        if (path.StartsWith('/')) throw new MediaAccessException($"'{path}' is not relative to its media root");
        return path;
    }

    private static string SingleName(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('/') || name.Contains('\0'))
        {
            throw new MediaAccessException($"'{name}' is not a plain file name");
        }

        return name;
    }

    private static (string Parent, string Name) Split(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? (".", trimmed) : (trimmed[..slash], trimmed[(slash + 1)..]);
    }

    private static MediaAccessException Refusal(string path, int errno, string what) => new(errno switch
    {
        EXDEV => $"'{path}' leads outside its media root (through '..' or a link); only relative links that stay inside the root are followed",
        ELOOP => $"'{path}' goes through a link loop, or a link where none is allowed",
        ENOENT => $"'{path}' does not exist",
        ENOTDIR => $"a part of '{path}' is a file, not a folder",
        EISDIR => $"'{path}' is a folder, not a {what}",
        EEXIST => $"'{path}' exists already",
        ENAMETOOLONG => $"'{path}' has a name longer than the file system allows",
        ENOTEMPTY => $"folder '{path}' is not empty",
        ENOSYS => "this kernel has no openat2 (Linux 5.6 or later is needed to open media beneath its root)",
        ENXIO => $"'{path}' is a device, pipe or socket, not a regular file",
        _ => $"cannot open {what} '{path}': {new System.ComponentModel.Win32Exception(errno).Message}",
    }, errno);
}
