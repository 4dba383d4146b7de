namespace RenderFarm.Agent.Guest;

/// <summary>How long the machine's keyboard and mouse have been left alone.</summary>
public interface IIdleSource
{
    /// <summary>The idle time at <paramref name="now"/>, or null when this machine cannot tell (no session to read).</summary>
    TimeSpan? IdleFor(DateTimeOffset now);
}
