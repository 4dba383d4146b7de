using System.ComponentModel.DataAnnotations;
using RenderFarm.Protos.Transfer;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>How the coordinator moves bytes for agents in transfer mode; bound from <c>Coordinator:Transfer</c>.</summary>
public sealed class TransferOptions
{
    public const string Section = "Coordinator:Transfer";

    /// <summary>Bytes per download chunk. Default 1 MiB (gRPC's message limit is 4 MB).</summary>
    [Range(4096, TransferLimits.MaxChunkBytes)]
    public int ChunkBytes { get; set; } = TransferLimits.DefaultChunkBytes;

    /// <summary>All transfers of this coordinator together, in bytes per second, both directions. Default 0 = unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long BytesPerSecond { get; set; }

    /// <summary>Each agent's transfers, in bytes per second, both directions. Default 0 = unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long AgentBytesPerSecond { get; set; }
}
