using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// File-system events where the system delivers them: a change below a watch folder brings the next scan forward (a
/// second after the last event), so a file is seen at once rather than at the next Quartz rescan. Events only say when to
/// look; what is taken is decided by the scan, which opens the folder beneath its media root. The set of watched folders
/// is read again every rescan interval.
/// </summary>
public sealed partial class WatchFolderEvents(
    WatchFolderStore store, WatchFolderScanner scanner, MediaRoots roots, IOptions<WatchFolderOptions> options, ILogger<WatchFolderEvents> logger)
    : BackgroundService
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _changed = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.UseFileSystemEvents) return;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshAsync(stoppingToken);
                if (!await _changed.WaitAsync(options.Value.ScanInterval, stoppingToken)) continue;
                await Task.Delay(Quiet, stoppingToken); // a copy raises many events: scan once it pauses
                while (_changed.CurrentCount > 0) await _changed.WaitAsync(stoppingToken);
                await scanner.ScanAllAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var watcher in _watchers.Values) watcher.Dispose();
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var folders = (await store.ListAsync(cancellationToken)).Where(f => !f.Paused).ToDictionary(f => f.Id, StringComparer.Ordinal);
        foreach (var id in _watchers.Keys.Where(id => !folders.ContainsKey(id)).ToList())
        {
            _watchers[id].Dispose();
            _watchers.Remove(id);
        }

        foreach (var folder in folders.Values.Where(f => !_watchers.ContainsKey(f.Id)))
        {
            try
            {
                var watcher = new FileSystemWatcher(roots.DisplayPath(new MediaRef { Root = folder.Root, Path = folder.Path }))
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite,
                };
                watcher.Created += (_, _) => Signal();
                watcher.Changed += (_, _) => Signal();
                watcher.Renamed += (_, _) => Signal();
                watcher.EnableRaisingEvents = true;
                _watchers[folder.Id] = watcher;
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or PlatformNotSupportedException)
            {
                LogNoEvents(logger, folder.Id, ex.Message);
            }
        }
    }

    private void Signal()
    {
        try
        {
            if (_changed.CurrentCount == 0) _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    [LoggerMessage(75, LogLevel.Information, "Watch folder {Folder} gets no file-system events ({Reason}); the rescans still find its files")]
    private static partial void LogNoEvents(ILogger logger, string folder, string reason);
}
