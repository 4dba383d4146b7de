using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// What the farm finished in the last 1, 5 and 15 minutes, for <c>GetQueueStats</c>. Counting it scans every attempt
/// that ended in the widest window (20,000 rows after a drain of tiny jobs: most of a stats call's database time), so one
/// count is shared by every caller for a second. After that a commit (an attempt may have ended) makes the next caller
/// count again before it answers, so a stats call right after a job ends counts it; while nothing was committed, a count
/// up to <see cref="ServeStaleFor"/> old is served at once and counted again in the background (only the windows slid).
/// Committed changes are known from <see cref="IJobStore.Committed"/> (this coordinator's and, on PostgreSQL, the others').
/// </summary>
public sealed partial class RecentThroughput
{
    public static readonly TimeSpan[] Windows = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)];

    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan ServeStaleFor = TimeSpan.FromSeconds(10);

    private readonly IJobStore store;
    private readonly TimeProvider time;
    private readonly ILogger<RecentThroughput> logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Count? _last;
    private int _refreshing;
    private long _commits;

    public RecentThroughput(IJobStore store, TimeProvider time, ILogger<RecentThroughput> logger)
    {
        (this.store, this.time, this.logger) = (store, time, logger);
        store.Committed += commit =>
        {
            if (commit.ChangedJobs.Count > 0) Interlocked.Increment(ref _commits);
        };
    }

    /// <summary>Succeeded and failed attempts and frames rendered, one entry per window of <see cref="Windows"/>.</summary>
    public async Task<IReadOnlyList<(int Succeeded, int Failed, long Frames)>> GetAsync(CancellationToken cancellationToken)
    {
        var last = _last;
        var age = last is null ? TimeSpan.MaxValue : time.GetUtcNow() - last.At;
        if (age < FreshFor) return last!.Finished;
        if (age < ServeStaleFor && last!.Commits == Interlocked.Read(ref _commits))
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
            var commits = Interlocked.Read(ref _commits); // read before counting: a commit during the count makes the next caller count again
            var finished = await store.GetFinishedSinceAsync(Windows.Select(w => now - w).ToList(), cancellationToken);
            _last = new Count(now, commits, finished);
            return finished;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record Count(DateTimeOffset At, long Commits, IReadOnlyList<(int Succeeded, int Failed, long Frames)> Finished);

    private static partial class Log
    {
        [LoggerMessage(130, LogLevel.Warning, "Could not count the farm's recent throughput")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
