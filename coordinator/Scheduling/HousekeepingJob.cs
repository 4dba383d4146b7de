using Quartz;
using RenderFarm.Coordinator.Housekeeping;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Every <c>Coordinator:Retention:Interval</c>, on one coordinator of a cluster: <see cref="FarmHousekeeping.RunAsync"/>.</summary>
[DisallowConcurrentExecution]
public sealed class HousekeepingJob(FarmHousekeeping housekeeping) : IJob
{
    public static readonly JobKey Key = new("housekeeping", "renderfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await housekeeping.RunAsync(cancellationToken);
}
