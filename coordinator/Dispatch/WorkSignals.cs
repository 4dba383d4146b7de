using System.Threading.Channels;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>Carries "work may be available" to the dispatcher and "stop this attempt" to the agent's stream.</summary>
public sealed class WorkSignals(AgentRegistry agents) : IWorkSignals
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public ChannelReader<bool> Wakeups => _wake.Reader;

    public void WorkAvailable() => _wake.Writer.TryWrite(true);

    public void StopAttempt(string agentId, string attemptId, bool canceled, string reason)
    {
        var session = agents.Find(agentId);
        if (session is null) return;
        session.RemoveRunning(attemptId);
        session.Send(canceled
            ? new ConnectResponse { Cancel = new CancelAttempt { AttemptId = attemptId } }
            : new ConnectResponse { Drop = new DropAttempt { AttemptId = attemptId, Reason = reason } });
    }
}
