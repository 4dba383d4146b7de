using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// When a job of a batch ends, checks whether it was the batch's last and, if so, records the batch's one
/// <c>batch.ended</c> notification (<see cref="WebhookDeliveries.EnqueueBatchEndAsync"/>; unique per batch and end time).
/// </summary>
public sealed class BatchEndWebhooks(BatchStore batches, IJobStore jobs, WebhookDeliveries deliveries)
{
    /// <summary>Returns how many deliveries were new (0 when the job has no batch or its batch has jobs left).</summary>
    public async Task<int> OnJobEndedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        if (job.Spec.BatchId.Length == 0 || !JobStateRollup.IsTerminal(job.State)) return 0;
        var batch = await batches.FindAsync(job.Spec.BatchId, cancellationToken);
        if (batch is null) return 0;
        var counts = await batches.CountsAsync(batch, cancellationToken);
        if (counts.Succeeded + counts.Failed + counts.Canceled < counts.Total) return 0;

        var ids = await batches.JobIdsAsync(batch.Id, [], BatchInputs.MaxInputs, cancellationToken);
        var all = await jobs.FindJobsAsync(ids, cancellationToken);
        if (all.Any(j => !JobStateRollup.IsTerminal(j.State))) return 0;
        var endTime = all.Select(j => j.EndTime ?? j.CreateTime).DefaultIfEmpty(batch.CreateTime).Max();
        return await deliveries.EnqueueBatchEndAsync(new BatchEnd(batch, counts, BatchView.StateOf(counts), all, endTime), cancellationToken);
    }
}
