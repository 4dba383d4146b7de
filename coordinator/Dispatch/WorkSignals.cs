using System.Threading.Channels;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Carries "work may be available" to the dispatcher and "stop this attempt" to the agent's stream. With
/// several coordinators, a stop for an agent connected elsewhere is passed on to the other coordinators.
/// </summary>
public sealed class WorkSignals : IWorkSignals
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly AgentRegistry _agents;
    private readonly IClusterLink? _cluster;

    public WorkSignals(AgentRegistry agents, IJobStore store)
    {
        _agents = agents;
        _cluster = store as IClusterLink;
        if (_cluster is not null) _cluster.StopRequested += stop => StopLocal(stop.AgentId, stop.AttemptId, stop.Canceled, stop.Reason);
    }

    public ChannelReader<bool> Wakeups => _wake.Reader;

    public void WorkAvailable() => _wake.Writer.TryWrite(true);

    public void StopAttempt(string agentId, string attemptId, bool canceled, string reason)
    {
        if (StopLocal(agentId, attemptId, canceled, reason) || _cluster is null) return;
        _ = _cluster.RequestStopAsync(new StopNotice(agentId, attemptId, canceled, reason), CancellationToken.None)
            .ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }

    private bool StopLocal(string agentId, string attemptId, bool canceled, string reason)
    {
        var session = _agents.Find(agentId);
        if (session is null) return false;
        session.Stopping(attemptId);
        session.Send(canceled
            ? new ConnectResponse { Cancel = new CancelAttempt { AttemptId = attemptId } }
            : new ConnectResponse { Drop = new DropAttempt { AttemptId = attemptId, Reason = reason } });
        return true;
    }
}
