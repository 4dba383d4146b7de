using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// What the farm finished in the last 1, 5 and 15 minutes, for <c>GetQueueStats</c>. Counting it scans every attempt
/// that ended in the widest window (20,000 rows after a drain of tiny jobs: most of a stats call's database time), and
/// it moves little in a second, so one count is shared by every caller for a second. A caller that finds it older, but
/// not older than <see cref="ServeStaleFor"/>, gets it at once while it is counted again in the background; only a
/// caller after a long quiet waits for the count.
/// </summary>
public sealed partial class RecentThroughput(IJobStore store, TimeProvider time, ILogger<RecentThroughput> logger)
{
    public static readonly TimeSpan[] Windows = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)];

    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan ServeStaleFor = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Count? _last;
    private int _refreshing;

    /// <summary>Succeeded and failed attempts and frames rendered, one entry per window of <see cref="Windows"/>.</summary>
    public async Task<IReadOnlyList<(int Succeeded, int Failed, long Frames)>> GetAsync(CancellationToken cancellationToken)
    {
        var last = _last;
        var age = last is null ? TimeSpan.MaxValue : time.GetUtcNow() - last.At;
        if (age < FreshFor) return last!.Finished;
        if (age < ServeStaleFor)
        {
            if (Interlocked.Exchange(ref _refreshing, 1) == 0) _ = RefreshInBackgroundAsync();
            return last!.Finished;
        }

        return await CountAsync(cancellationToken);
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await CountAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The next caller past ServeStaleFor counts again and sees the error itself.
            Log.RefreshFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    /// <summary>Counts once for every caller waiting at the same moment.</summary>
    private async Task<IReadOnlyList<(int, int, long)>> CountAsync(CancellationToken cancellationToken)
    {
        var before = _last;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last != before && _last is { } counted) return counted.Finished;
            var now = time.GetUtcNow();
            var finished = await store.GetFinishedSinceAsync(Windows.Select(w => now - w).ToList(), cancellationToken);
            _last = new Count(now, finished);
            return finished;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record Count(DateTimeOffset At, IReadOnlyList<(int Succeeded, int Failed, long Frames)> Finished);

    private static partial class Log
    {
        [LoggerMessage(130, LogLevel.Warning, "Could not count the farm's recent throughput")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
