namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// Names a watch folder never takes: hidden files and folders (".DS_Store", macOS "._" resource forks, the farm's own
/// ".renderfarm-" scratch folders) and names that copy tools give a file while it is still being written.
/// </summary>
public static class IgnoredNames
{
    private static readonly string[] PartialSuffixes = [".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", "~"];

    public static bool IsIgnored(string name) =>
        name.StartsWith('.') || PartialSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
}
