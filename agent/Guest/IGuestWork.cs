namespace RenderFarm.Agent.Guest;

/// <summary>The agent's running work, as the guest rules act on it.</summary>
public interface IGuestWork
{
    IReadOnlyCollection<string> RunningAttemptIds { get; }

    /// <summary>Stops every running attempt and gives it back to the queue (reported interrupted: no retry burnt).</summary>
    void GiveBackAll(string reason);
}
