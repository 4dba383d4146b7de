using Quartz;
using RenderFarm.Coordinator.Dispatch;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>
/// Every few seconds: attempts whose lease ran out go back to the queue, attempts that overran or stalled are
/// stopped, and WAITING tasks whose release trigger was lost are released.
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
    }
}
