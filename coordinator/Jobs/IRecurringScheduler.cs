namespace RenderFarm.Coordinator.Jobs;

/// <summary>Persists a recurring job's cron trigger, so its runs survive a restart.</summary>
public interface IRecurringScheduler
{
    Task ScheduleAsync(string jobId, CronSchedule schedule, CancellationToken cancellationToken);

    Task UnscheduleAsync(string jobId, CancellationToken cancellationToken);
}
