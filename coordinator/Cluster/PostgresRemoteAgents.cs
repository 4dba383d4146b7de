using Google.Protobuf;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// The agents other coordinators wrote to the shared database. An agent whose coordinator's heartbeat is older than
/// <see cref="ClusterOptions.PresenceTimeout"/> (or gone) is disconnected; a connected one shows its running attempts
/// and the operator's drain as the database has them (<see cref="RemoteAgentView"/>). Reads are shared for up to a
/// second, so frequent callers (the farm event pump, GetQueueStats, wait reasons) cost a few queries a second between them.
/// </summary>
public sealed class PostgresRemoteAgents(
    AgentPresenceStore presence, IJobStore store, ClusterChannel channel, IOptions<ClusterOptions> options, TimeProvider time) : IRemoteAgents
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<RemoteAgent> Agents)? _cached;

    public async Task<IReadOnlyList<RemoteAgent>> ListAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } fresh) return fresh;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } shared) return shared;
            var now = time.GetUtcNow();
            var rows = await presence.ReadOthersAsync(channel.Origin, cancellationToken);
            bool Live(AgentPresenceStore.Seen seen) => seen.Row.Connected && seen.Heartbeat is { } beat && now - beat <= options.Value.PresenceTimeout;
            // Drains and running attempts are read only when another coordinator holds a connected agent.
            var anyLive = rows.Any(Live);
            var drained = anyLive ? await store.GetDrainedAgentsAsync(cancellationToken) : NoDrains;
            var byAgent = (anyLive ? await store.GetRunningAttemptsAsync(cancellationToken) : [])
                .ToLookup(a => a.AgentId, a => a.Id, StringComparer.Ordinal);

            var agents = rows.Select(seen =>
            {
                var written = AgentInfo.Parser.ParseFrom(ByteString.FromBase64(seen.Row.Info));
                return Live(seen)
                    ? new RemoteAgent(RemoteAgentView.Connected(written, byAgent[written.Id].ToList(), drained), true)
                    : new RemoteAgent(RemoteAgentView.Disconnected(written), false);
            }).ToList();
            _cached = (now, agents);
            return agents;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task AnnounceDrainAsync(string agentId, CancellationToken cancellationToken)
    {
        _cached = null;
        return channel.SendAsync([ClusterNotice.ForDrain(channel.Origin, agentId)], cancellationToken);
    }

    private static readonly IReadOnlyDictionary<string, string> NoDrains = new Dictionary<string, string>();

    private IReadOnlyList<RemoteAgent>? Fresh() =>
        _cached is { } c && time.GetUtcNow() - c.At < CacheFor ? c.Agents : null;
}
