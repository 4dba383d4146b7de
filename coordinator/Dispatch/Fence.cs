namespace RenderFarm.Coordinator.Dispatch;

/// <summary>How a report under an attempt id was taken.</summary>
public enum Fence
{
    /// <summary>The attempt is the agent's live lease; the report was applied.</summary>
    Accepted,

    /// <summary>The same final report arrived again; nothing changed.</summary>
    Duplicate,

    /// <summary>The attempt is unknown, ended, or another agent's: the agent must stop that work.</summary>
    Stale,
}
