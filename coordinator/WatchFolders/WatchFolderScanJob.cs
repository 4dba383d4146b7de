using Quartz;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// The rescan that always runs (network shares often deliver no file-system events): every
/// <see cref="WatchFolderOptions.ScanInterval"/>, on one coordinator at a time (a clustered Quartz job on PostgreSQL that
/// does not run concurrently with itself), every watch folder is scanned.
/// </summary>
[DisallowConcurrentExecution]
public sealed class WatchFolderScanJob(WatchFolderScanner scanner) : IJob
{
    public static readonly JobKey Key = new("watch-folder-scan", "renderfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await scanner.ScanAllAsync(cancellationToken);
}
