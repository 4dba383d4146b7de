using Google.Protobuf;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// The agents other coordinators wrote to the shared database. An agent whose coordinator's heartbeat is older than
/// <see cref="ClusterOptions.PresenceTimeout"/> (or gone) is disconnected. Reads are shared for up to a second, so
/// frequent callers (the farm event pump, GetQueueStats) cost one query a second between them.
/// </summary>
public sealed class PostgresRemoteAgents(AgentPresenceStore presence, ClusterChannel channel, IOptions<ClusterOptions> options, TimeProvider time) : IRemoteAgents
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
            var agents = rows.Select(seen => new RemoteAgent(
                AgentInfo.Parser.ParseFrom(ByteString.FromBase64(seen.Row.Info)),
                seen.Row.Connected && seen.Heartbeat is { } beat && now - beat <= options.Value.PresenceTimeout)).ToList();
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

    private IReadOnlyList<RemoteAgent>? Fresh() =>
        _cached is { } c && time.GetUtcNow() - c.At < CacheFor ? c.Agents : null;
}
