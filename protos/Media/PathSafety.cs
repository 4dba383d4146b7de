namespace RenderFarm.Protos.Media;

/// <summary>
/// Path checks both the coordinator (at submission) and the agent (before ffmpeg starts) apply: links followed to
/// where they really lead, containment in a root, and "a file with content", which refuses devices, pipes and
/// sockets (they have no size) as well as empty files.
/// </summary>
public static class PathSafety
{
    /// <summary>The path with every link along it followed; parts that do not exist yet are kept as they are.</summary>
    public static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var current = root;
        var hops = 0;
        foreach (var part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                if (++hops > 40) throw new IOException($"too many links along {fullPath}");
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : RealPath(Path.GetFullPath(target.FullName));
            }

            current = next;
        }

        return current;
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
