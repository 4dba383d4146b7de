using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// This machine's media roots, each opened once (<see cref="MediaDirectory.OpenRoot"/>), and the files and folders the
/// coordinator names in them, handed out open rather than as paths: the agent trusts no path it is sent, and a name
/// checked is never looked up again. Everything beneath a root is reached through the root's handle, so a relative
/// link that stays inside the root is followed and anything that leads out (an absolute link, a link or <c>..</c>
/// that climbs out) is refused, at the moment of opening.
/// </summary>
/// <remarks>
/// A root that cannot be opened yet (a share not mounted when the agent starts) is tried again at its next use; once
/// open, the handle is kept for the agent's lifetime, so swapping the root's own path later changes nothing.
/// </remarks>
public sealed class AgentMediaRoots : IDisposable
{
    private readonly Dictionary<string, string> _paths;
    private readonly Dictionary<string, MediaDirectory> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public AgentMediaRoots(IReadOnlyDictionary<string, string> roots)
    {
        _paths = roots.ToDictionary(r => r.Key, r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r.Value)), StringComparer.Ordinal);
        foreach (var name in _paths.Keys)
        {
            try
            {
                Root(name);
            }
            catch (RenderFailedException)
            {
                // Tried again when a task names it.
            }
        }
    }

    public IEnumerable<string> Names => _paths.Keys;

    /// <summary>Where <paramref name="media"/> is on this machine, for messages only: it is never opened by this string.</summary>
    public string Describe(MediaRef media) =>
        media is not null && _paths.TryGetValue(media.Root, out var root) ? Path.Combine(root, media.Path) : $"{media?.Root}:{media?.Path}";

    /// <summary>Opens the regular file <paramref name="media"/> names, once, for reading.</summary>
    /// <param name="what">What the file is to the task ("input", "LUT", "chunk"), for messages.</param>
    /// <param name="missing">The class of a file that does not exist: BAD_INPUT for the job's own files, TRANSIENT for the farm's (a chunk).</param>
    /// <exception cref="RenderFailedException">
    /// No such root here (<see cref="FailureClass.Unsupported"/>); the file leads out of its root, does not exist, or
    /// is a folder, device, pipe or socket (<see cref="FailureClass.BadInput"/>); another I/O error (<see cref="FailureClass.Transient"/>).
    /// </exception>
    public MediaFile OpenFile(MediaRef? media, string what, FailureClass missing = FailureClass.BadInput)
    {
        var (root, path) = Check(media);
        try
        {
            return root.OpenFile(path);
        }
        catch (MediaAccessException ex) when (ex.NotFound && missing != FailureClass.BadInput)
        {
            throw new RenderFailedException(missing, $"the {what} '{path}' is missing", inner: ex);
        }
        catch (MediaAccessException ex)
        {
            throw Refused(what, path, ex);
        }
    }

    /// <summary>
    /// Opens the folder <paramref name="media"/>'s file lives in (made, part by part beneath the root, when missing)
    /// and returns it with the file's own name in it.
    /// </summary>
    /// <exception cref="RenderFailedException">As <see cref="OpenFile"/>.</exception>
    public (MediaDirectory Folder, string Name) OpenParent(MediaRef? media, string what)
    {
        var (root, path) = Check(media);
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var (parent, name) = slash < 0 ? ("", trimmed) : (trimmed[..slash], trimmed[(slash + 1)..]);
        if (name.Length == 0 || name is "." or "..") throw new RenderFailedException(FailureClass.BadInput, $"the {what} '{path}' names no file");
        try
        {
            return (OpenFolder(root, parent), name);
        }
        catch (MediaAccessException ex)
        {
            throw Refused($"{what}'s folder", parent, ex);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var root in _open.Values) root.Dispose();
            _open.Clear();
        }
    }

    /// <summary>
    /// Opens <paramref name="relative"/> beneath <paramref name="root"/>, making each missing part on the way; every
    /// part is resolved from the root's handle, so a link inside the root that climbs out of the folder above it but
    /// stays in the root is followed, and one that leaves the root is not.
    /// </summary>
    private static MediaDirectory OpenFolder(MediaDirectory root, string relative)
    {
        if (relative.Length == 0) return root.OpenDirectory(".");
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            return root.OpenDirectory(relative);
        }
        catch (MediaAccessException ex) when (ex.NotFound)
        {
            // Made part by part below.
        }

        for (var i = 1; i < parts.Length; i++)
        {
            root.OpenDirectory(string.Join('/', parts[..i]), create: true).Dispose();
        }

        return root.OpenDirectory(string.Join('/', parts), create: true);
    }

    private (MediaDirectory Root, string Path) Check(MediaRef? media)
    {
        if (media is null || media.Root.Length == 0) throw new RenderFailedException(FailureClass.BadInput, "no media reference");
        var root = Root(media.Root);
        if (media.Path.Length == 0 || Path.IsPathRooted(media.Path) || media.Path.Any(char.IsControl)
            || media.Path.Split('/', '\\').Any(s => s == ".."))
        {
            throw new RenderFailedException(FailureClass.BadInput, $"'{media.Path}' is not a plain relative path");
        }

        return (root, media.Path);
    }

    private MediaDirectory Root(string name)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(name, out var open)) return open;
            if (!_paths.TryGetValue(name, out var path))
            {
                throw new RenderFailedException(FailureClass.Unsupported, $"cannot place the task's files on this agent: it has no media root named '{name}'");
            }

            try
            {
                open = MediaDirectory.OpenRoot(path);
            }
            catch (Exception ex) when (ex is MediaAccessException or PlatformNotSupportedException)
            {
                throw new RenderFailedException(FailureClass.Unsupported, $"cannot open media root '{name}' ({path}) on this agent: {ex.Message}", inner: ex);
            }

            _open[name] = open;
            return open;
        }
    }

    /// <summary>
    /// A link out of the root, a missing file, a folder or a FIFO where a file belongs: the task's files are wrong, and
    /// retrying will not mend them. Other errors (permissions, I/O) may pass.
    /// </summary>
    private static RenderFailedException Refused(string what, string path, MediaAccessException ex)
    {
        const int EACCES = 13, EPERM = 1, EIO = 5;
        var failureClass = ex.Errno is EACCES or EPERM or EIO ? FailureClass.Transient : FailureClass.BadInput;
        return new RenderFailedException(failureClass, ex.NotFound ? $"{what} {path} does not exist" : $"{what}: {ex.Message}", inner: ex);
    }
}
