using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Operators drain an agent (it finishes what it runs and gets nothing new) and resume it. The drain is
/// stored, so it holds across coordinator restarts and agent reconnects. With several coordinators, any of them
/// drains any agent: the one holding the agent's stream is told at once and applies the stored drain.
/// </summary>
public sealed class AgentDrains(IJobStore store, AgentRegistry agents, IWorkSignals signals, IRemoteAgents remote, TimeProvider time)
{
    public const string DefaultReason = "drained by an operator";

    public Task DrainAsync(string agentId, string reason, CancellationToken cancellationToken) =>
        SetAsync(agentId, string.IsNullOrWhiteSpace(reason) ? DefaultReason : reason.Trim(), cancellationToken);

    public Task ResumeAsync(string agentId, CancellationToken cancellationToken) => SetAsync(agentId, null, cancellationToken);

    /// <summary>Stores the drain (a reason) or its end (null), tells the agent if it is connected, and watchers.</summary>
    private async Task SetAsync(string agentId, string? reason, CancellationToken cancellationToken)
    {
        await RequireKnownAsync(agentId, cancellationToken);
        await store.InTransactionAsync(async tx =>
        {
            await tx.SetAgentDrainAsync(agentId, reason is not null, reason ?? "", time.GetUtcNow());
            return true;
        }, cancellationToken);
        if (agents.Find(agentId) is { } session) Apply(session, reason);
        else
        {
            await remote.AnnounceDrainAsync(agentId, cancellationToken);
            agents.NotifyChanged(agentId);
        }
    }

    /// <summary>Another coordinator changed this agent's stored drain: applies it if the agent is connected here.</summary>
    public async Task ApplyStoredAsync(string agentId, CancellationToken cancellationToken)
    {
        if (agents.Find(agentId) is null) return;
        var drained = await store.GetDrainedAgentsAsync(cancellationToken);
        if (agents.Find(agentId) is { } session) Apply(session, Stored(drained, agentId));
    }

    /// <summary>Brings every connected agent in line with the stored drains (a notice may have been missed).</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var drained = await store.GetDrainedAgentsAsync(cancellationToken);
        foreach (var session in agents.Connected)
        {
            var reason = Stored(drained, session.Id);
            if (reason != session.OperatorDrain) Apply(session, reason);
        }
    }

    private static string? Stored(IReadOnlyDictionary<string, string> drained, string agentId) =>
        drained.TryGetValue(agentId, out var reason) ? (reason.Length == 0 ? DefaultReason : reason) : null;

    private void Apply(AgentSession session, string? reason)
    {
        session.OperatorDrain = reason;
        session.Send(new ConnectResponse { Drain = new DrainState { Draining = reason is not null, Reason = reason ?? "" } });
        agents.NotifyChanged(session.Id);
        if (reason is null) signals.WorkAvailable();
    }

    /// <summary>A (re)connecting agent learns whether an operator drained it.</summary>
    public async Task ApplyOnJoinAsync(AgentSession session, CancellationToken cancellationToken)
    {
        var drained = await store.GetDrainedAgentsAsync(cancellationToken);
        if (!drained.TryGetValue(session.Id, out var reason)) return;
        session.OperatorDrain = reason.Length == 0 ? DefaultReason : reason;
        session.Send(new ConnectResponse { Drain = new DrainState { Draining = true, Reason = session.OperatorDrain } });
    }

    /// <summary>The agent announced it is shutting down.</summary>
    public void AgentShuttingDown(AgentSession session, string reason)
    {
        session.ShutdownReason = string.IsNullOrWhiteSpace(reason) ? "the agent is shutting down" : reason;
        agents.NotifyChanged(session.Id);
    }

    /// <summary>Throws NotFound unless some coordinator of the farm has seen the agent or stored a drain for it.</summary>
    public async Task RequireKnownAsync(string agentId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(agentId)) throw new JobValidationException(["agent_id: is required"]);
        if (agents.Find(agentId) is not null || agents.Departed.Any(a => a.Id == agentId)) return;
        if ((await store.GetDrainedAgentsAsync(cancellationToken)).ContainsKey(agentId)) return;
        if ((await remote.ListAsync(cancellationToken)).Any(a => a.Info.Id == agentId)) return;
        throw new NotFoundException($"agent '{agentId}' is not known to the farm (farmctl agents lists the agents it knows)");
    }
}
