using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>
/// Before anything else starts: creates or migrates the schema, seeds the job sequence, gives running
/// attempts one lease to be reclaimed by their agents after a restart, and tells watchers and the
/// dispatcher about every committed change.
/// </summary>
public sealed class StoreInitializer(IJobStore store, JobSequence sequence, AttemptLifecycle attempts, JobEvents events, IWorkSignals signals, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        sequence.Seed(await store.GetMaxSeqAsync(cancellationToken));
        if (store is IClusterLink cluster) sequence.UseClock(time, cluster.NodeSlot);
        await attempts.GrantReconnectGraceAsync(cancellationToken);
        store.Committed += commit =>
        {
            foreach (var jobId in commit.ChangedJobs) events.Publish(jobId);
            if (commit.TasksQueued) signals.WorkAvailable();
        };
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
