namespace RenderFarm.Protos.Media;

/// <summary>
/// Path checks both the coordinator (at submission) and the agent (before ffmpeg starts) apply: links followed to
/// where they really lead, containment in a root, and "a file with content", which refuses devices, pipes and
/// sockets (they have no size) as well as empty files.
/// </summary>
public static class PathSafety
{
    /// <summary>Links followed along one path before it is taken for a loop (Linux's own limit).</summary>
    public const int MaxLinks = 40;

    /// <summary>
    /// The path with every link along it followed, component by component as the kernel does (a link's target is
    /// read relative to the folder holding the link, and a <c>..</c> in it leaves the folder the link led to, not the
    /// one named before it); parts that do not exist yet are kept as they are. Throws <see cref="LinkLoopException"/>
    /// for a loop of links or more than <see cref="MaxLinks"/> of them.
    /// </summary>
    public static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "";
        var current = root;
        var pending = new Stack<string>();
        Push(pending, fullPath[root.Length..]);
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks) throw new LinkLoopException(fullPath, MaxLinks);
            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? current;
                target = target[current.Length..];
            }

            Push(pending, target);
        }

        return current;
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    /// <summary>Whether <paramref name="path"/> lies strictly inside <paramref name="root"/> (both full paths).</summary>
    public static bool IsInside(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// Why an existing path cannot be read as a media or LUT file, or null when it can: a folder, a device, a
    /// pipe or a socket (all of which report no size), or an empty file.
    /// </summary>
    public static string? NotAFileWithContent(string path)
    {
        if (Directory.Exists(path)) return "is a folder, not a file";
        var info = new FileInfo(path);
        if (!info.Exists) return "does not exist";
        return info.Length == 0 ? "is empty, or is a device, pipe or socket rather than a file" : null;
    }
}
