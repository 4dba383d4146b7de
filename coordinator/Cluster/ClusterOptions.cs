namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// How coordinators sharing one PostgreSQL database tell each other about their agents and the progress of the
/// work those agents run (<c>Coordinator:Cluster</c>). Ignored by the single SQLite coordinator.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Coordinator:Cluster";

    /// <summary>
    /// How often a coordinator writes what changed about its agents (joined, left, drained, running work) and its own
    /// heartbeat. Default 2 s: another coordinator's <c>ListAgents</c> is at most this much (plus a second) behind.
    /// </summary>
    public TimeSpan PresenceInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often every agent's row is rewritten even when nothing changed (its last-seen time and load). Default 30 s.</summary>
    public TimeSpan PresenceRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A coordinator whose heartbeat is older than this is taken for dead: its agents are shown disconnected until
    /// they reconnect elsewhere. Default 15 s; keep it several <see cref="PresenceInterval"/>s.
    /// </summary>
    public TimeSpan PresenceTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a coordinator passes its agents' latest progress (percent, fps) to the others. Default 1 s.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);
}
