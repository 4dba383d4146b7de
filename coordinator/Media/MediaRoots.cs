using System.Text;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Protos.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Media;

/// <summary>
/// Resolves paths that people submit against the configured media roots. Anything outside a root,
/// through <c>..</c>, or through a link that leads out, is refused with a reason.
/// </summary>
public sealed class MediaRoots
{
    private const int MaxPathLength = 4096;

    /// <summary>Longest file or folder name, in UTF-8 bytes (NAME_MAX of ext4, XFS, Btrfs, tmpfs, NFS and APFS).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest full path in UTF-8 bytes (Linux's PATH_MAX, 4096 with its terminating zero).</summary>
    public const int MaxPathBytes = 4095;
    private readonly IReadOnlyList<(string Name, string Path)> _roots;

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
    }

    public IEnumerable<(string Name, string Path)> Roots => _roots;

    /// <summary>The absolute path of a media reference on this machine.</summary>
    public string ToLocalPath(MediaRef media)
    {
        var root = _roots.First(r => r.Name == media.Root);
        return Path.Combine(root.Path, media.Path);
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
