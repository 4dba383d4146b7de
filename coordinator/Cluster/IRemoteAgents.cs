using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// The agents other coordinators hold, for a farm of several coordinators on one database; a single coordinator
/// has none (<see cref="NoRemoteAgents"/>).
/// </summary>
public interface IRemoteAgents
{
    /// <summary>
    /// Agents connected to other coordinators, and those last seen there. Each <see cref="AgentInfo"/> is as its
    /// coordinator wrote it, with its state, free slots, running attempts (by id only) and the operator's drain as
    /// the database has them.
    /// </summary>
    Task<IReadOnlyList<RemoteAgent>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Tells the other coordinators that an agent's stored drain or operator's schedule changed, so the one holding its stream applies it.</summary>
    Task AnnounceDrainAsync(string agentId, CancellationToken cancellationToken);
}

/// <summary>An agent another coordinator holds (<paramref name="Connected"/>) or last held.</summary>
public sealed record RemoteAgent(AgentInfo Info, bool Connected);

/// <summary>One coordinator: every agent is its own.</summary>
public sealed class NoRemoteAgents : IRemoteAgents
{
    private static readonly Task<IReadOnlyList<RemoteAgent>> None = Task.FromResult<IReadOnlyList<RemoteAgent>>([]);

    public Task<IReadOnlyList<RemoteAgent>> ListAsync(CancellationToken cancellationToken) => None;

    public Task AnnounceDrainAsync(string agentId, CancellationToken cancellationToken) => Task.CompletedTask;
}
