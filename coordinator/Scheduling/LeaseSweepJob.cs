using Quartz;
using RenderFarm.Coordinator.Dispatch;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Every few seconds: attempts whose lease ran out go back to the queue; attempts that overran or stalled are stopped.</summary>
[DisallowConcurrentExecution]
public sealed class LeaseSweepJob(AttemptLifecycle attempts, AttemptTimeouts timeouts, TimeProvider time) : IJob
{
    public static readonly JobKey Key = new("lease-sweep", "renderfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat before the lease ran out", cancellationToken);
        await timeouts.SweepAsync(cancellationToken);
    }
}
