using Quartz;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Scheduling;

/// <summary>
/// On start, makes sure every time the store waits for has its Quartz trigger: WAITING tasks with a start
/// time or a backoff, and recurring jobs. Triggers are written after the store's transaction commits, so a
/// crash in between would otherwise leave work waiting forever.
/// </summary>
public sealed class ScheduleReconciler(
    IJobStore store,
    IReleaseScheduler releases,
    IRecurringScheduler recurring,
    ISchedulerFactory schedulers,
    TimeProvider time,
    ILogger<ScheduleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var (tasks, jobs) = await store.GetTimedWorkAsync(cancellationToken);
        var restored = 0;
        foreach (var task in tasks.Where(t => t.WaitingFor != TaskWait.Input))
        {
            if (await scheduler.Exists(QuartzReleaseScheduler.KeyFor(task.Id), cancellationToken)) continue;
            await releases.ScheduleReleaseAsync(task.Id, task.NotBefore!.Value, cancellationToken);
            restored++;
        }

        foreach (var job in jobs)
        {
            if (await scheduler.Exists(QuartzRecurringScheduler.KeyFor(job.Id), cancellationToken)) continue;
            if (!CronSchedule.TryParse(job.Spec.Cron, job.Spec.TimeZone, time.GetUtcNow(), out var schedule, out _)) continue;
            await recurring.ScheduleAsync(job.Id, schedule!, cancellationToken);
            restored++;
        }

        if (restored > 0) LogRestored(logger, restored);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void LogRestored(ILogger logger, int count) =>
        logger.LogWarning("Restored {Count} missing schedule trigger(s) from the store", count);
}
