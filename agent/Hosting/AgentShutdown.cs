using RenderFarm.Agent.Execution;

namespace RenderFarm.Agent.Hosting;

/// <summary>On shutdown, stops running renders so their temporary files are removed; their leases run out and the work moves elsewhere.</summary>
public sealed class AgentShutdown(AttemptRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var id in runner.RunningAttemptIds) runner.Stop(id, "the agent is shutting down");
        await runner.WhenIdleAsync().WaitAsync(cancellationToken);
    }
}
