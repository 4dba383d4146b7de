using System.Text;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Protos.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Media;

/// <summary>
/// Resolves paths that people submit against the configured media roots. Anything outside a root,
/// through <c>..</c>, or through a link that leads out, is refused with a reason. Each root is opened once
/// (<see cref="MediaDirectory"/>), and every file or folder the coordinator reads, hashes, serves, writes, renames or
/// removes under it is reached through that open root, beneath it (<see cref="OpenFile"/>, <see cref="OpenFolder"/>):
/// a name swapped for a link after a check is resolved again, beneath the root, when it is used.
/// </summary>
public sealed class MediaRoots : IDisposable
{
    private const int MaxPathLength = 4096;

    /// <summary>Longest file or folder name, in UTF-8 bytes (NAME_MAX of ext4, XFS, Btrfs, tmpfs, NFS and APFS).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest full path in UTF-8 bytes (Linux's PATH_MAX, 4096 with its terminating zero).</summary>
    public const int MaxPathBytes = 4095;
    private readonly IReadOnlyList<(string Name, string Path)> _roots;
    private readonly Dictionary<string, MediaDirectory> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public MediaRoots(IOptions<CoordinatorOptions> options)
        : this(options.Value.MediaRoots)
    {
    }

    public MediaRoots(IReadOnlyDictionary<string, string> roots)
    {
        if (roots.Count == 0)
        {
            throw new InvalidOperationException("Coordinator:MediaRoots must name at least one media root.");
        }

        _roots = roots
            .Select(r => (r.Key, Path.TrimEndingDirectorySeparator(RealPath(Path.GetFullPath(r.Value)))))
            .ToList();
        foreach (var (name, _) in _roots) TryOpen(name, out _);
    }

    public IEnumerable<(string Name, string Path)> Roots => _roots;

    /// <summary>The roots that could not be opened (a missing folder, no openat2), with why; reported at start.</summary>
    public IReadOnlyList<(string Name, string Path, string Error)> Unavailable =>
        _roots.Select(r => (r.Name, r.Path, Error: TryOpen(r.Name, out var error) is null ? error : null))
            .Where(r => r.Error is not null).Select(r => (r.Name, r.Path, r.Error!)).ToList();

    /// <summary>
    /// The absolute path of a media reference on this machine, for messages and reported results only: it is never
    /// opened (a path is looked up again when opened; <see cref="OpenFile"/> and <see cref="OpenFolder"/> are not).
    /// </summary>
    public string DisplayPath(MediaRef media)
    {
        ArgumentNullException.ThrowIfNull(media);
        var root = _roots.First(r => r.Name == media.Root);
        return Path.Combine(root.Path, media.Path);
    }

    /// <summary>A root itself, opened once (again, if it could not be opened before).</summary>
    /// <exception cref="MediaAccessException">The root is not configured or cannot be opened.</exception>
    public MediaDirectory Root(string name) =>
        TryOpen(name, out var error) ?? throw new MediaAccessException(error);

    /// <summary>A regular file beneath its root, opened once: hash, serve or probe this open file, not its path.</summary>
    /// <exception cref="MediaAccessException">It leads out of the root, is not a regular file, or does not exist.</exception>
    public MediaFile OpenFile(MediaRef media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return Root(media.Root).OpenFile(media.Path);
    }

    /// <summary>
    /// The folder a media reference lies in, opened beneath its root (its missing parts made first with
    /// <paramref name="create"/>), and the reference's own name in it.
    /// </summary>
    public (MediaDirectory Folder, string Name) OpenFolder(MediaRef media, bool create = false)
    {
        ArgumentNullException.ThrowIfNull(media);
        var slash = media.Path.LastIndexOf('/');
        var (parent, name) = slash < 0 ? ("", media.Path) : (media.Path[..slash], media.Path[(slash + 1)..]);
        var root = Root(media.Root);
        return (create ? root.CreateDirectories(parent) : root.OpenDirectory(parent), name);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var directory in _open.Values) directory.Dispose();
            _open.Clear();
        }
    }

    private MediaDirectory? TryOpen(string name, out string error)
    {
        error = "";
        lock (_gate)
        {
            if (_open.TryGetValue(name, out var open)) return open;
            var path = _roots.FirstOrDefault(r => r.Name == name).Path;
            if (path is null)
            {
                error = $"'{name}' is not a media root of this coordinator";
                return null;
            }

            try
            {
                return _open[name] = MediaDirectory.OpenRoot(path);
            }
            catch (Exception ex) when (ex is MediaAccessException or PlatformNotSupportedException)
            {
                error = $"media root '{name}' ({path}) cannot be opened: {ex.Message}";
                return null;
            }
        }
    }

    /// <summary>Resolves <paramref name="path"/> to a media reference, or returns why it cannot be used.</summary>
    public bool TryResolve(string path, out MediaRef media, out string error)
    {
        media = new MediaRef();
        error = "";
        if (string.IsNullOrWhiteSpace(path))
        {
            error = "is required";
            return false;
        }

        if (path.Length > MaxPathLength)
        {
            error = $"is longer than {MaxPathLength} characters";
            return false;
        }

        if (path.Any(char.IsControl))
        {
            error = "contains control characters";
            return false;
        }

        if (path.Split('/', '\\').Any(segment => segment == ".."))
        {
            error = "must not contain '..'";
            return false;
        }

        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(_roots[0].Path, path));
        if (NameTooLong(full) is { } tooLong)
        {
            error = tooLong;
            return false;
        }

        string real;
        try
        {
            real = RealPath(full);
        }
        catch (LinkLoopException loop)
        {
            error = loop.Message;
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"'{path}' cannot be followed to a file ({ex.Message}); check the folders' permissions";
            return false;
        }

        foreach (var (name, rootPath) in _roots)
        {
            if (IsInside(real, rootPath) && IsInside(full, rootPath))
            {
                media = new MediaRef { Root = name, Path = Path.GetRelativePath(rootPath, full).Replace(Path.DirectorySeparatorChar, '/') };
                return true;
            }
        }

        error = real == full
            ? $"'{path}' is outside the media roots ({string.Join(", ", _roots.Select(r => r.Path))})"
            : $"'{path}' leads through a link to '{real}', outside the media roots";
        return false;
    }

    /// <summary>
    /// Why the file system could not hold <paramref name="fullPath"/>, or null: a name longer than
    /// <see cref="MaxNameBytes"/> bytes (in UTF-8, every name along the path), or a path past <see cref="MaxPathBytes"/>.
    /// </summary>
    public static string? NameTooLong(string fullPath)
    {
        var bytes = Encoding.UTF8.GetByteCount(fullPath);
        if (bytes > MaxPathBytes) return $"is {bytes} bytes long as a full path on this machine; the file system allows at most {MaxPathBytes}: use shorter folder or file names";
        foreach (var name in fullPath.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var length = Encoding.UTF8.GetByteCount(name);
            if (length > MaxNameBytes)
            {
                return $"has a name of {length} bytes ('{name[..Math.Min(name.Length, 40)]}...'); the file system allows at most {MaxNameBytes} bytes per file or folder name: shorten it";
            }
        }

        return null;
    }

    private static bool IsInside(string path, string root) => PathSafety.IsInside(path, root);

    /// <summary>The path with every link along it followed; parts that do not exist yet are kept as they are.</summary>
    internal static string RealPath(string fullPath) => PathSafety.RealPath(fullPath);
}
