using Quartz;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>Start times and retry backoffs as persistent Quartz triggers, so they survive a coordinator restart.</summary>
public sealed class QuartzReleaseScheduler(ISchedulerFactory schedulers) : IReleaseScheduler
{
    public static TriggerKey KeyFor(string taskId) => new($"release-{taskId}", "renderfarm-retries");

    public async Task ScheduleReleaseAsync(string taskId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(KeyFor(taskId))
            .ForJob(ReleaseTaskJob.Key)
            .UsingJobData(ReleaseTaskJob.TaskIdKey, taskId)
            .StartAt(at)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, cancellationToken);
    }
}
