namespace RenderFarm.Agent.Guest;

/// <summary>What running work does when the agent's working period ends.</summary>
public enum HoursEnd
{
    /// <summary>Running work finishes; nothing new starts.</summary>
    Finish,

    /// <summary>Running work is given back to the queue (no retry burnt).</summary>
    Yield,
}
