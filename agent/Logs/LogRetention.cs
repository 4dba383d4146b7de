namespace RenderFarm.Agent.Logs;

/// <summary>Keeps the newest attempt logs within a file count and a total size; the logs still being written always stay.</summary>
public static class LogRetention
{
    public const string Pattern = "*.log";

    /// <summary>Removes the oldest <c>.log</c> files of <paramref name="directory"/> beyond the limits; returns the paths removed.</summary>
    public static List<string> Prune(string directory, int keepCount, long keepBytes, IReadOnlyCollection<string> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        var removed = new List<string>();
        var files = new DirectoryInfo(directory).EnumerateFiles(Pattern).ToList();
        var kept = files.Where(f => open.Contains(f.FullName)).ToList();
        var count = kept.Count;
        var bytes = kept.Sum(f => f.Length);

        foreach (var file in files.Except(kept).OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal))
        {
            if (count < keepCount && bytes + file.Length <= keepBytes)
            {
                count++;
                bytes += file.Length;
                continue;
            }

            try
            {
                file.Delete();
                removed.Add(file.FullName);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another process holds it; the next prune tries again.
            }
        }

        return removed;
    }
}
