namespace RenderFarm.Agent.Execution;

/// <summary>Settings of <see cref="RenderPipeline"/>; the defaults suit a machine with ffmpeg on the PATH.</summary>
public sealed class RenderPipelineOptions
{
    /// <summary>Folder holding ffmpeg and ffprobe; empty = find them on the PATH. Default empty.</summary>
    public string BinaryFolder { get; set; } = string.Empty;

    /// <summary>
    /// Folder a render's or stitch's ffmpeg starts from: the <see cref="RenderLauncher"/>'s, which runs the real one
    /// supervised. Null = <see cref="BinaryFolder"/>. Probes and checks always use <see cref="BinaryFolder"/>.
    /// </summary>
    public string? RenderBinaryFolder { get; set; }

    /// <summary>How long ffmpeg gets to stop after <c>q</c> on cancel before it is killed. Default 2 s.</summary>
    public TimeSpan CancelGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Threads each ffmpeg may use for decoding, filtering and encoding; 0 = ffmpeg's choice (every core). Default 0.</summary>
    public int Threads { get; set; }

    /// <summary>Lines of ffmpeg's log kept for a failure report. Default 40.</summary>
    public int LogTailLines { get; set; } = 40;
}
