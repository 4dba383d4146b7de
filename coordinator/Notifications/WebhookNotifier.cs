using System.Threading.Channels;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// Hands every job this coordinator ended (its own commits: each commit is one coordinator's) to
/// <see cref="WebhookDeliveries"/>, and at start re-creates the trigger of every pending delivery that lacks one (a
/// coordinator stopped between recording a try and scheduling the next).
/// </summary>
public sealed partial class WebhookNotifier(IJobStore store, WebhookDeliveries deliveries, WebhookStore stored, IWebhookScheduler scheduler, TimeProvider time, ILogger<WebhookNotifier> logger)
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
                    if (await store.FindJobAsync(jobId, stoppingToken) is { } job) await deliveries.EnqueueJobEndAsync(job, stoppingToken);
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
        foreach (var delivery in await stored.PendingAsync(cancellationToken))
        {
            var number = delivery.Attempts + 1;
            if (await scheduler.IsScheduledAsync(delivery.Id, number, cancellationToken)) continue;
            await scheduler.ScheduleAsync(delivery.Id, number, delivery.NextAttempt > now ? delivery.NextAttempt : now, cancellationToken);
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Job {JobId} ended but its webhook deliveries could not be recorded")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string jobId);
}
