using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.V1;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// Hands every job this coordinator ended (its own commits: each commit is one coordinator's) to
/// <see cref="WebhookDeliveries"/> and, for a batch's job, to <see cref="BatchEndWebhooks"/>, and at start re-creates the trigger of every pending delivery that lacks one (a
/// coordinator stopped between recording a try and scheduling the next).
/// </summary>
public sealed partial class WebhookNotifier(
    IJobStore store, WebhookDeliveries deliveries, BatchEndWebhooks batchEnds, WebhookStore stored, IWebhookScheduler scheduler, IOptionsMonitor<WebhookOptions> options, TimeProvider time, ILogger<WebhookNotifier> logger)
    : BackgroundService
{
    private readonly Channel<string> _ended = Channel.CreateUnbounded<string>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Committed += OnCommitted;
        try
        {
            await ReconcileAsync(stoppingToken);
            await foreach (var jobId in _ended.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    if (await store.FindJobAsync(jobId, stoppingToken) is { } job)
                    {
                        await deliveries.EnqueueJobEndAsync(job, stoppingToken);
                        await batchEnds.OnJobEndedAsync(job, stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogEnqueueFailed(logger, ex, jobId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Committed -= OnCommitted;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        // Null: another coordinator's commit, which that coordinator notifies.
        foreach (var jobId in commit.EndedJobs ?? []) _ended.Writer.TryWrite(jobId);
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (options.CurrentValue.CatchUpWindow > TimeSpan.Zero)
        {
            var since = now - options.CurrentValue.CatchUpWindow;
            var ended = await store.ListJobsAsync([JobState.Succeeded, JobState.Failed, JobState.Canceled], null, CatchUpJobs, cancellationToken);
            var caught = 0;
            foreach (var job in ended.Where(j => j.EndTime >= since))
            {
                caught += await deliveries.EnqueueJobEndAsync(job, cancellationToken);
                caught += await batchEnds.OnJobEndedAsync(job, cancellationToken);
            }
            if (caught > 0) LogCaughtUp(logger, caught);
        }

        foreach (var delivery in await stored.PendingAsync(cancellationToken))
        {
            var number = delivery.Attempts + 1;
            if (await scheduler.IsScheduledAsync(delivery.Id, number, cancellationToken)) continue;
            await scheduler.ScheduleAsync(delivery.Id, number, delivery.NextAttempt > now ? delivery.NextAttempt : now, cancellationToken);
        }
    }

    /// <summary>The newest ended jobs looked at by the catch-up at start.</summary>
    public const int CatchUpJobs = 500;

    [LoggerMessage(2, LogLevel.Warning, "Recorded {Count} webhook delivery(ies) for jobs that ended before the last stop without them")]
    private static partial void LogCaughtUp(ILogger logger, int count);

    [LoggerMessage(1, LogLevel.Error, "Job {JobId} ended but its webhook deliveries could not be recorded")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string jobId);
}
