using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// The estimate of time left that every progress view shows (WatchJob, WatchFarm, GetJob, ListAgents' running
/// attempts), from the render's speed and its remaining frames:
/// <list type="bullet">
/// <item>A running task: its remaining frames (its planned frames for a chunk, else the frames done scaled by the
/// percent) at the frames per second it reports; before it reports a rate, the time it has run scaled by the percent.
/// The time since the report is taken off, so the estimate keeps counting down between reports.</item>
/// <item>A job: the frames its unfinished tasks still owe (weighed by their planned frames) at the rate of the tasks
/// running now; a job of one task is that task. Unknown (null) while nothing of it renders, or nothing reported yet.</item>
/// </list>
/// </summary>
public sealed class TimeLeft(TimeProvider time)
{
    /// <summary>Longer than this is not an estimate anyone can use (a rate of a frame a minute): shown as unknown.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(7);

    /// <summary>What one task of a job contributes: its state, its progress and its planned frames (0 = not planned).</summary>
    public readonly record struct Part(TaskState State, double Percent, double Fps, ulong PlannedFrames, TimeSpan? TaskLeft);

    /// <summary>Time left of a task running with <paramref name="progress"/>; null when it cannot be told yet.</summary>
    public TimeSpan? ForTask(LiveProgress.Snapshot progress, ulong plannedFrames, DateTimeOffset? attemptStart)
    {
        var percent = Math.Clamp(progress.Percent, 0, 100);
        var total = plannedFrames > 0 ? plannedFrames : percent > 0 && progress.Frames > 0 ? progress.Frames * 100 / percent : 0;
        if (progress.Fps > 0 && double.IsFinite(progress.Fps) && total > 0)
        {
            return Since(Seconds(Math.Max(0, total - progress.Frames) / progress.Fps), progress.At);
        }

        // No rate yet: the time run so far, scaled by the percent.
        return percent > 0 && attemptStart is { } start && progress.At > start
            ? Since(Seconds((progress.At - start).TotalSeconds * (100 - percent) / percent), progress.At)
            : null;
    }

    /// <summary>Time left of a job made of <paramref name="parts"/>; null when it cannot be told.</summary>
    public static TimeSpan? ForJob(IReadOnlyList<Part> parts)
    {
        var running = parts.Where(p => p.State == TaskState.Running).ToList();
        if (running.Count == 0) return null;
        var planned = parts.Where(p => p.PlannedFrames > 0).ToList();
        if (planned.Count == 0 || parts.Count == 1) return running.Max(p => p.TaskLeft);

        var rate = running.Where(p => p.PlannedFrames > 0).Sum(p => p.Fps);
        if (rate <= 0) return running.Max(p => p.TaskLeft);
        var owed = planned.Where(p => p.State != TaskState.Succeeded).Sum(p => p.PlannedFrames * (1 - Math.Clamp(p.Percent, 0, 100) / 100));
        var left = Seconds(owed / rate);
        // Never less than the slowest running task needs.
        return running.Max(p => p.TaskLeft) is { } slowest && left < slowest ? slowest : left;
    }

    private TimeSpan? Since(TimeSpan? left, DateTimeOffset reportedAt)
    {
        if (left is not { } value) return null;
        var elapsed = time.GetUtcNow() - reportedAt;
        var now = elapsed > TimeSpan.Zero ? value - elapsed : value;
        return now > TimeSpan.Zero ? now : TimeSpan.Zero;
    }

    private static TimeSpan? Seconds(double seconds) =>
        double.IsFinite(seconds) && seconds >= 0 && seconds <= Longest.TotalSeconds ? TimeSpan.FromSeconds(Math.Round(seconds, 1)) : null;
}
