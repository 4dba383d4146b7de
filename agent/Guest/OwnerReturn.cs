namespace RenderFarm.Agent.Guest;

/// <summary>What running work does when the machine's owner comes back.</summary>
public enum OwnerReturn
{
    /// <summary>Suspend ffmpeg, resume it when the owner leaves; give the attempt back after <see cref="GuestOptions.PauseLimit"/>.</summary>
    Pause,

    /// <summary>Stop at once and give the attempt back to the queue (no retry burnt).</summary>
    Yield,

    /// <summary>Keep rendering at the lowest priority (nice 19).</summary>
    Lower,
}
