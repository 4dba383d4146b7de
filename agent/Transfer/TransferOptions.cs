using RenderFarm.Protos.Transfer;

namespace RenderFarm.Agent.Transfer;

/// <summary>How an agent in transfer mode keeps and moves bytes; bound from <c>Agent:Transfer</c>.</summary>
public sealed class TransferOptions
{
    /// <summary>The blob cache: inputs and LUTs by SHA-256. A relative path is taken from <c>Agent:DataDirectory</c>. Default <c>cache</c>.</summary>
    public string CacheDirectory { get; set; } = "cache";

    /// <summary>Largest total size of the cache, partial downloads included; least recently used blobs go first. Default 50 GiB.</summary>
    public long CacheLimitBytes { get; set; } = 50L * 1024 * 1024 * 1024;

    /// <summary>Where attempts render before their output is uploaded. A relative path is taken from <c>Agent:DataDirectory</c>. Default <c>work</c>.</summary>
    public string WorkDirectory { get; set; } = "work";

    /// <summary>This agent's transfers, both directions together, in bytes per second. Default 0 = unlimited.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Bytes per upload chunk. Default 1 MiB.</summary>
    public int ChunkBytes { get; set; } = TransferLimits.DefaultChunkBytes;

    /// <summary>Failed tries in a row (cut streams, damaged chunks) after which a transfer gives up. Default 20.</summary>
    public int MaxRetries { get; set; } = 20;

    /// <summary>Wait before the first retry; doubles up to 5 s. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
