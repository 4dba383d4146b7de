namespace RenderFarm.Agent.Guest;

/// <summary>What the guest rules do to the agent's running ffmpeg and ffprobe processes.</summary>
public interface IRenderControl
{
    /// <summary>Whether this machine supports <see cref="Suspend"/>; without it the owner's return yields instead of pausing.</summary>
    bool CanSuspend { get; }

    void Suspend();

    void Resume();

    /// <summary>Lowest priority (nice 19).</summary>
    void Lower();
}
