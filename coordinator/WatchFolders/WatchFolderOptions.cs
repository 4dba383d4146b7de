using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>How watch folders are scanned (<c>Coordinator:WatchFolders</c>).</summary>
public sealed class WatchFolderOptions
{
    public const string Section = "Coordinator:WatchFolders";

    /// <summary>How often every watch folder is scanned by the Quartz job (default 5 s). File-system events add scans between.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "01:00:00")]
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A folder's settle time when it is added without one (default 10 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan DefaultSettleTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Watch folders with file-system events (inotify) as well as the scans (default on; network shares often send none).</summary>
    public bool UseFileSystemEvents { get; set; } = true;
}
