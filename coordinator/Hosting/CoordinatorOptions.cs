using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Hosting;

/// <summary>The coordinator's settings, bound from the <c>Coordinator</c> configuration section.</summary>
public sealed class CoordinatorOptions
{
    public const string Section = "Coordinator";

    /// <summary>
    /// Folder for the SQLite database (jobs, tasks, attempts and Quartz's schedule). A relative path is taken from the
    /// current folder. Default: the machine's application-data folder (<c>/var/lib/renderfarm/coordinator</c>,
    /// <c>%ProgramData%\RenderFarm\coordinator</c>, <c>/Library/Application Support/RenderFarm/coordinator</c>), or
    /// the user's own when this user may not write there; never the folder the binary is in.
    /// </summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// Named media roots: every input, LUT and output must lie inside one. Agents map the same names to
    /// their own folders. Configured roots replace the default, one root <c>media</c> at <c>./media</c>; every
    /// root's folder must exist when the coordinator starts.
    /// </summary>
    public Dictionary<string, string> MediaRoots { get; set; } = [];

    /// <summary>The media roots when none is configured: <c>media</c> at <c>./media</c>.</summary>
    public static IReadOnlyDictionary<string, string> DefaultMediaRoots { get; } = new Dictionary<string, string> { ["media"] = "media" };

    /// <summary>Fills in what binding leaves to defaults: the data folder, and the media root when none is configured.</summary>
    public void Resolve()
    {
        DataDirectory = Protos.Hosting.DataFolders.Resolve(DataDirectory, "coordinator");
        if (MediaRoots.Count == 0)
        {
            foreach (var (name, path) in DefaultMediaRoots) MediaRoots[name] = path;
        }
    }

    /// <summary>
    /// Farm-wide limit groups (docs/routing.md): at most N tasks of a job naming the group (<c>JobSpec.limit_group</c>)
    /// run at once across the farm, counted from the running attempts in the database, e.g.
    /// <c>Coordinator:Limits:prores-licence=2</c>. Names are matched without regard to case. Empty by default.
    /// </summary>
    public Dictionary<string, int> Limits { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often agents must heartbeat. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an attempt stays an agent's without a heartbeat. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an agent whose stream is open may stay silent before it counts as unreachable (ListAgents says so and it
    /// gets no new work): 2.5 heartbeats, at most one lease, so a task whose lease ran out on a stalled link never goes
    /// back to that agent before it is heard from again.
    /// </summary>
    public TimeSpan AgentSilenceLimit => TimeSpan.FromTicks(Math.Min(HeartbeatInterval.Ticks * 5 / 2, LeaseDuration.Ticks));

    /// <summary>
    /// HTTP/2 keepalive on agents' connections: after this long without a frame from an agent, the coordinator pings
    /// it, and closes the connection when the ping goes unanswered for as long again (its leases then run out as usual).
    /// 0 turns pings off. Default 10 s.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often Quartz sweeps expired leases. Default 5 s.</summary>
    public TimeSpan LeaseSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries for transient failures when a job does not say. Default 3.</summary>
    [Range(0, 10)]
    public int DefaultMaxRetries { get; set; } = 3;

    /// <summary>First retry backoff; doubles per failure, with jitter. Default 10 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest retry backoff. Default 10 min.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Lost agents a task may suffer before a loss counts as a failed try. Default 3.</summary>
    [Range(0, 100)]
    public int FreeLostAttempts { get; set; } = 3;

    /// <summary>Longest one attempt may run when a job does not say. Default 24 h.</summary>
    public TimeSpan DefaultMaxRunTime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>An attempt without progress for this long is stopped and retried, when a job does not say. Default 10 min.</summary>
    public TimeSpan DefaultStallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Failures of one job on one agent after which that agent is passed over for it. Default 2.</summary>
    [Range(1, 100)]
    public int BlocklistAfterFailures { get; set; } = 2;

    /// <summary>Split-and-stitch: when and how long inputs are cut into chunks encoded on several agents.</summary>
    public ChunkingOptions Chunking { get; set; } = new();

    /// <summary>Housekeeping: how long finished jobs and disconnected agents are kept, and how often it runs.</summary>
    public RetentionOptions Retention { get; set; } = new();

    /// <summary>Most bytes of ffmpeg log kept per attempt. Default 16 MiB.</summary>
    public long MaxLogBytesPerAttempt { get; set; } = 16 * 1024 * 1024;
}
