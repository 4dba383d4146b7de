using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Batches;

/// <summary>A batch as people see it: its counts by state (read from its jobs), its state and progress, its failures.</summary>
public sealed class BatchView(BatchStore store, IJobStore jobs)
{
    public const int MaxFailedShown = 20;

    public async Task<Batch> BuildAsync(BatchRecord record, CancellationToken cancellationToken)
    {
        var counts = await store.CountsAsync(record, cancellationToken);
        var batch = new Batch
        {
            Id = record.Id,
            Name = record.Name,
            RecipeName = record.RecipeName,
            RecipeVersion = record.RecipeVersion,
            Owner = record.Owner,
            CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
            Counts = counts,
            State = StateOf(counts),
            Percent = record.Total == 0 ? 100 : 100.0 * (counts.Succeeded + counts.Failed + counts.Canceled) / record.Total,
        };
        if (counts.Failed > 0)
        {
            var failed = await store.JobIdsAsync(record.Id, [JobState.Failed], MaxFailedShown, cancellationToken);
            batch.FailedJobs.AddRange((await jobs.FindJobsAsync(failed, cancellationToken)).OrderBy(j => j.Seq).Select(JobView.Summary));
        }

        return batch;
    }

    /// <summary>RUNNING while a job has not ended and any has started or ended; then FAILED, CANCELED or SUCCEEDED.</summary>
    public static JobState StateOf(BatchCounts c)
    {
        var ended = c.Succeeded + c.Failed + c.Canceled;
        if (ended >= c.Total) return c.Failed > 0 ? JobState.Failed : c.Canceled > 0 ? JobState.Canceled : JobState.Succeeded;
        if (c.Running > 0 || ended > 0) return JobState.Running;
        return c.Queued > 0 ? JobState.Queued : JobState.Waiting;
    }
}
