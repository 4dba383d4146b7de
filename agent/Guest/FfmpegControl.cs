namespace RenderFarm.Agent.Guest;

/// <summary>Signals the agent's own ffmpeg and ffprobe processes (<see cref="FfmpegProcesses"/>).</summary>
public sealed class FfmpegControl : IRenderControl
{
    public bool CanSuspend => FfmpegProcesses.Supported;

    public void Suspend() => FfmpegProcesses.Suspend(FfmpegProcesses.Children());

    public void Resume() => FfmpegProcesses.Resume(FfmpegProcesses.Children());

    public void Lower() => FfmpegProcesses.SetNice(FfmpegProcesses.Children(), 19);
}
