using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>Creates or migrates the schema and seeds the job sequence before anything else starts.</summary>
public sealed class StoreInitializer(IJobStore store, JobSequence sequence) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        sequence.Seed(await store.GetMaxSeqAsync(cancellationToken));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
