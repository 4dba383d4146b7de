using Quartz;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Fired by a recurring job's cron trigger: submits one run.</summary>
public sealed class RecurringJobFire(RecurringRuns runs) : IJob
{
    public const string JobIdKey = "jobId";
    public static readonly JobKey Key = new("recurring-run", "renderfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await runs.FireAsync(context.MergedJobDataMap.GetString(JobIdKey)!, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, cancellationToken);
}
