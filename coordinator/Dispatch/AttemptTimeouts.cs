using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Ends attempts that ran longer than their task's maximum run time, or that reported no progress for its
/// stall timeout. The stall clock starts at the attempt's start, its last progress report, or this
/// coordinator's start, whichever is latest (progress is not stored, so a restart restarts the clock).
/// </summary>
public sealed class AttemptTimeouts(IJobStore store, AttemptLifecycle attempts, LiveProgress progress, TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ended = 0;
        foreach (var (attempt, limits) in await store.GetRunningAttemptLimitsAsync(cancellationToken))
        {
            var why = Check(limits, attempt.StartTime, progress.Get(attempt.TaskId)?.At, now);
            if (why is not null && await attempts.TimeOutAsync(attempt, why, cancellationToken)) ended++;
        }

        return ended;
    }

    private string? Check(TaskLimits limits, DateTimeOffset start, DateTimeOffset? lastProgress, DateTimeOffset now)
    {
        if (limits.MaxRunTime > TimeSpan.Zero && now - start > limits.MaxRunTime)
        {
            return $"ran longer than its maximum run time of {limits.MaxRunTime}";
        }

        var quietSince = new[] { start, lastProgress ?? start, _startedAt }.Max();
        if (limits.StallTimeout > TimeSpan.Zero && now - quietSince > limits.StallTimeout)
        {
            return $"reported no progress for {limits.StallTimeout} (stall timeout)";
        }

        return null;
    }
}
