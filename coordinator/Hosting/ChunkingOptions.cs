namespace RenderFarm.Coordinator.Hosting;

/// <summary>Split-and-stitch settings, bound from <c>Coordinator:Chunking</c>.</summary>
public sealed class ChunkingOptions
{
    /// <summary>
    /// Target chunk length for jobs that do not set <c>chunk_duration</c>. Default zero: such jobs render as one
    /// task. 10 to 30 s suits most farms.
    /// </summary>
    public TimeSpan ChunkDuration { get; set; } = TimeSpan.Zero;

    /// <summary>Inputs shorter than this stay one task, whatever the chunk length. Default 60 s.</summary>
    public TimeSpan MinInputDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most chunks one job is cut into (longer chunks are made instead). Default 500.</summary>
    public int MaxChunks { get; set; } = 500;
}
