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

    /// <summary>
    /// What one second of the job's audio costs to encode, in video frames of a chunk, so that the dispatcher can hand a
    /// job's tasks out longest first with the audio among them: the audio of a long film goes out before the chunks,
    /// the audio of a short clip after them. Default 2 (measured: AAC about 0.03 CPU s per second, x264 medium 720p
    /// about 0.025 CPU s per frame, so 1-2 frames; faster presets make a frame cheaper). 0 hands the audio out last.
    /// </summary>
    public double AudioFramesPerSecond { get; set; } = 2;
}
