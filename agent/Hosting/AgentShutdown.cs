using System.Runtime.InteropServices;
using RenderFarm.Agent.Drain;

namespace RenderFarm.Agent.Hosting;

/// <summary>
/// On shutdown (SIGTERM, Ctrl-C), drains the agent (<see cref="AgentDrain"/>). A second SIGTERM or Ctrl-C during
/// the drain stops the running renders at once, which are then reported interrupted.
/// </summary>
public sealed class AgentShutdown(AgentDrain drain) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var signals = new List<PosixSignalRegistration>();
        try
        {
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
            {
                signals.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    drain.InterruptNow();
                }));
            }
        }
        catch (PlatformNotSupportedException)
        {
            // Without signals, the drain timeout alone ends the wait.
        }

        try
        {
            await drain.RunAsync(cancellationToken);
        }
        finally
        {
            foreach (var signal in signals) signal.Dispose();
        }
    }
}
