using Quartz;
using RenderFarm.Coordinator.Dispatch;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>
/// Every few seconds: attempts whose lease ran out go back to the queue (or, when they were granted their publish and
/// the output is whole at its path, are committed; either way what they left beside the output is removed), attempts
/// that overran or stalled are stopped, WAITING tasks whose release trigger was lost are released, and the publish
/// grants of tasks that have ended are forgotten.
/// </summary>
[DisallowConcurrentExecution]
public sealed class LeaseSweepJob(AttemptLifecycle attempts, AttemptTimeouts timeouts, TimeProvider time) : IJob
{
    public static readonly JobKey Key = new("lease-sweep", "renderfarm");

    /// <summary>How late a start time or backoff may be before the sweep releases it itself.</summary>
    public static readonly TimeSpan OverdueGrace = TimeSpan.FromSeconds(30);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat before the lease ran out", cancellationToken);
        await timeouts.SweepAsync(cancellationToken);
        await attempts.ReleaseOverdueAsync(OverdueGrace, cancellationToken);
        await attempts.SweepPublishGrantsAsync(cancellationToken);
    }
}
