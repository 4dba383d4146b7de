using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// After the coordinator starts, gives its thumbnails to each succeeded job that has no poster: a coordinator stopped
/// between the commit that ended a job and its thumbnail (or while thumbnails were off) would otherwise leave it without
/// one, since that commit is not seen again. In the background, never delaying the start: pages of
/// <see cref="ThumbnailOptions.CatchUpBatch"/> jobs that ended within <see cref="ThumbnailOptions.CatchUpWithin"/>, the
/// most recent first, made one after another by <see cref="ThumbnailMaker"/> (so at most one catch-up ffmpeg runs
/// beside the live one). A job whose thumbnail cannot be made is passed over, not tried again.
/// </summary>
public sealed partial class ThumbnailCatchUp(ThumbnailMaker maker, ThumbnailStore thumbnails, IOptions<ThumbnailOptions> options, TimeProvider time,
    ILogger<ThumbnailCatchUp> logger) : BackgroundService
{
    /// <summary>Ends when every job the catch-up found has been tried (for tests and the log).</summary>
    public Task Finished => _finished.Task;

    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start goes on at once
        try
        {
            var o = options.Value;
            if (!o.Enabled || o.CatchUpWithin <= TimeSpan.Zero) return;
            var now = time.GetUtcNow();
            (DateTimeOffset EndTime, string JobId) from = (now, "");
            var (tried, made) = (0, 0);
            while (true)
            {
                var page = await thumbnails.MissingPostersAsync(from, now - o.CatchUpWithin, o.CatchUpBatch, stoppingToken);
                if (page.Count == 0) break;
                foreach (var (jobId, endTime) in page)
                {
                    tried++;
                    if (await maker.TryMakeAsync(jobId, stoppingToken)) made++;
                    from = (endTime, jobId);
                }
            }

            if (tried > 0) LogCaughtUp(logger, made, tried);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex);
        }
        finally
        {
            _finished.TrySetResult();
        }
    }
}
