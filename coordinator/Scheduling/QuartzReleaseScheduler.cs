using Quartz;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Retry backoffs as persistent Quartz triggers, so a pending retry survives a coordinator restart.</summary>
public sealed class QuartzReleaseScheduler(ISchedulerFactory schedulers) : IReleaseScheduler
{
    public async Task ScheduleReleaseAsync(string taskId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"release-{taskId}", "renderfarm-retries")
            .ForJob(ReleaseTaskJob.Key)
            .UsingJobData(ReleaseTaskJob.TaskIdKey, taskId)
            .StartAt(at)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, cancellationToken);
    }
}
