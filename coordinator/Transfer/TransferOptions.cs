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

    /// <summary>
    /// Longest the coordinator spends on one file: hashing an input or LUT for a transfer agent (during a dispatch
    /// pass), or probing an uploaded output before it is published. A file that does not answer in time (a stalled
    /// network mount, a file that never ends) fails its own job as bad input, or its upload; the dispatch pass goes on
    /// with the other jobs. Hashing runs at about a second per GB, so the default, 2 minutes, covers inputs of about
    /// 100 GB; raise it for bigger files.
    /// </summary>
    public TimeSpan FileTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The ffprobe that checks an uploaded output before it is published (it must read as media with at least one
    /// stream). Default <c>ffprobe</c> from the PATH; when the coordinator has none, outputs are checked by size and
    /// SHA-256 only.
    /// </summary>
    [Required]
    public string Ffprobe { get; set; } = "ffprobe";
}
