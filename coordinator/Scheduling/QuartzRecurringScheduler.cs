using Quartz;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>A recurring job is a persistent Quartz cron trigger; a run missed while the coordinator was down fires once on start.</summary>
public sealed class QuartzRecurringScheduler(ISchedulerFactory schedulers) : IRecurringScheduler
{
    public static TriggerKey KeyFor(string jobId) => new($"recurring-{jobId}", "renderfarm-recurring");

    public async Task ScheduleAsync(string jobId, CronSchedule schedule, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(KeyFor(jobId))
            .ForJob(RecurringJobFire.Key)
            .UsingJobData(RecurringJobFire.JobIdKey, jobId)
            .WithCronSchedule(schedule.Expression, c => c.InTimeZone(schedule.TimeZone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, cancellationToken);
    }

    public async Task UnscheduleAsync(string jobId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.UnscheduleJob(KeyFor(jobId), cancellationToken);
    }
}
