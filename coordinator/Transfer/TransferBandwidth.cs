using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Transfer;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// The coordinator's transfer limits: one bucket for the whole coordinator and one per agent, so a farm of
/// home machines does not fill the studio's uplink and no one agent takes all of it.
/// </summary>
public sealed class TransferBandwidth(IOptions<TransferOptions> options) : IDisposable
{
    private readonly Bandwidth _all = new(options.Value.BytesPerSecond, options.Value.ChunkBytes);
    private readonly ConcurrentDictionary<string, Bandwidth> _agents = new();

    public async ValueTask TakeAsync(string agentId, int bytes, CancellationToken cancellationToken)
    {
        var agent = _agents.GetOrAdd(agentId, _ => new Bandwidth(options.Value.AgentBytesPerSecond, options.Value.ChunkBytes));
        await agent.TakeAsync(bytes, cancellationToken);
        await _all.TakeAsync(bytes, cancellationToken);
    }

    public void Dispose()
    {
        _all.Dispose();
        foreach (var bucket in _agents.Values) bucket.Dispose();
    }
}
