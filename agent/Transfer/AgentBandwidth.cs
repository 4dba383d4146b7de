using Microsoft.Extensions.Options;
using RenderFarm.Agent.Hosting;
using RenderFarm.Protos.Transfer;

namespace RenderFarm.Agent.Transfer;

/// <summary>This agent's transfer limit (<c>Agent:Transfer:BytesPerSecond</c>), shared by its downloads and uploads.</summary>
public sealed class AgentBandwidth(IOptions<AgentOptions> options) : IDisposable
{
    private readonly Bandwidth _bucket = new(options.Value.Transfer.BytesPerSecond, options.Value.Transfer.ChunkBytes);

    public ValueTask TakeAsync(int bytes, CancellationToken cancellationToken) => _bucket.TakeAsync(bytes, cancellationToken);

    public void Dispose() => _bucket.Dispose();
}
