using Microsoft.Extensions.Options;
using Quartz;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// Puts the rescan (<see cref="WatchFolderScanJob"/>) in Quartz's persistent store at start, replacing what an earlier
/// start stored, so a changed <see cref="WatchFolderOptions.ScanInterval"/> takes effect.
/// </summary>
public sealed class WatchFolderSchedule(ISchedulerFactory schedulers, IOptions<WatchFolderOptions> options) : IHostedService
{
    public static readonly TriggerKey TriggerKey = new("watch-folder-scan", "renderfarm");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var job = JobBuilder.Create<WatchFolderScanJob>().WithIdentity(WatchFolderScanJob.Key).StoreDurably().Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(TriggerKey)
            .ForJob(WatchFolderScanJob.Key)
            .StartNow()
            .WithSimpleSchedule(s => s.WithInterval(options.Value.ScanInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
