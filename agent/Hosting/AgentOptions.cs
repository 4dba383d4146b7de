using RenderFarm.Agent.Transfer;

namespace RenderFarm.Agent.Hosting;

/// <summary>The agent's settings, bound from the <c>Agent</c> configuration section (or <c>--Agent:Name=...</c>).</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>
    /// The coordinator to dial, or several sharing one database, comma-separated: the agent connects to the
    /// first that answers and moves to the next when it is lost. Default <c>http://127.0.0.1:7400</c> (h2c on loopback).
    /// </summary>
    public string Coordinator { get; set; } = "http://127.0.0.1:7400";

    /// <summary>
    /// A PEM CA certificate to verify the coordinator's TLS certificate against (a studio's own CA) instead of the
    /// system's trusted roots. Only with an https coordinator address. Default: none.
    /// </summary>
    public string CaFile { get; set; } = "";

    /// <summary>
    /// The farm's enrollment token (the coordinator's <c>Coordinator:Security:EnrollmentToken</c>), exchanged once for
    /// this agent's own credential when <see cref="CredentialFile"/> does not exist yet. Default: none.
    /// </summary>
    public string EnrollmentToken { get; set; } = "";

    /// <summary>
    /// The folder of this agent's own files: its credential, attempt logs and transfer cache. A relative path is taken
    /// from the current folder. Default: the machine's application-data folder (<c>/var/lib/renderfarm/agent</c>,
    /// <c>%ProgramData%\RenderFarm\agent</c>, <c>/Library/Application Support/RenderFarm/agent</c>), or the user's
    /// own when this user may not write there; never the folder the binary is in.
    /// </summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// Where this agent keeps its credential (readable by its user only). A relative path is taken from
    /// <see cref="DataDirectory"/>. Default <c>agent.credential</c>.
    /// </summary>
    public string CredentialFile { get; set; } = "agent.credential";

    /// <summary>This agent's name, unique in the farm. Default: the machine name.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>
    /// Tasks run at once. Default 1 (ffmpeg already uses every core). A render's slot is free again when its ffmpeg
    /// ends: the next task starts while the output is verified and published (docs/agent-link.md).
    /// </summary>
    public int Slots { get; set; } = 1;

    /// <summary>Threads each render's ffmpeg may use (decode, filters, encoder); 0 = every core. Default 0.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 256)]
    public int FfmpegThreads { get; set; }

    /// <summary>
    /// How much lower than the agent ffmpeg and ffprobe run (Unix <c>nice</c>, 0 to 19; 0 = not lowered). On Windows any
    /// value above 0 runs them BelowNormal. Default 10.
    /// </summary>
    public int FfmpegNice { get; set; } = 10;

    /// <summary>Linux: ffmpeg and ffprobe read and write in the idle I/O class (<c>ionice -c 3</c>). Default true.</summary>
    public bool FfmpegIdleIo { get; set; } = true;

    /// <summary>
    /// Port of the agent's Prometheus endpoint (<c>http://MetricsHost:MetricsPort/metrics</c>): renders, ffmpeg seconds,
    /// cache and transfer figures, guest state, process and runtime. 0 (the default) serves none: a spare machine opens
    /// no port it was not asked to.
    /// </summary>
    public int MetricsPort { get; set; }

    /// <summary>
    /// Address the metrics endpoint listens on. Default <c>127.0.0.1</c> (this machine only); <c>+</c> listens on every
    /// address, for a Prometheus on another machine.
    /// </summary>
    public string MetricsHost { get; set; } = "127.0.0.1";

    /// <summary>
    /// Labels operators use to tell agents apart (e.g. <c>gpu</c>, <c>edit-suite</c>); a job that requires tags
    /// (<c>farmctl submit --require-tag gpu</c>) runs only on agents with all of them (docs/routing.md).
    /// </summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>
    /// Pools this agent belongs to, in order (docs/routing.md): it serves the work of its first pool before the work of
    /// later pools, and work that names no pool last; a job that names a pool runs only on that pool's agents. Empty by
    /// default: the agent takes only work that names no pool.
    /// </summary>
    public List<string> Pools { get; set; } = [];

    /// <summary>
    /// Media roots by name, mapped to this machine's folders. The names must match the coordinator's;
    /// the folders may differ (shared storage mounted elsewhere). Configured roots replace the default, which is
    /// <c>media</c> at <c>./media</c>; every root's folder must exist when the agent starts.
    /// </summary>
    public Dictionary<string, string> MediaRoots { get; set; } = [];

    /// <summary>The media roots when none is configured: <c>media</c> at <c>./media</c>.</summary>
    public static IReadOnlyDictionary<string, string> DefaultMediaRoots { get; } = new Dictionary<string, string> { ["media"] = "media" };

    /// <summary>Longest wait between reconnection tries. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After a refusal that waiting does not mend (the credential revoked or unknown, a wrong enrollment token, a name
    /// that does not match the credential, a coordinator certificate not trusted), the agent logs once what to do and
    /// tries again only this often. Default 5 min.
    /// </summary>
    public TimeSpan RefusedRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Instead of retrying after such a refusal, stop with exit code 3 (for a service manager to report). Default false.</summary>
    public bool ExitOnRefusal { get; set; }

    /// <summary>
    /// A session that lasted this long after the coordinator's welcome was healthy: the next reconnection waits only
    /// the first, short delay (about 0.1-0.2 s) however many cuts came before. Shorter sessions count as failures and
    /// the wait grows towards <see cref="ReconnectMaxDelay"/>. Default 10 s.
    /// </summary>
    public TimeSpan ReconnectBackoffResetAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// HTTP/2 keepalive on the link: after this long without a frame from the coordinator the agent pings it, and drops
    /// the connection (then reconnects) when the ping goes unanswered for as long again, so a link that stalls without
    /// closing is found within two of these. 0 turns pings off. Default 5 s.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Progress reports per second, about (<see cref="Execution.ProgressThrottle"/>). Default 1: each report costs the
    /// coordinator a lookup of the lease, a reload of the job for its watchers and a push to each of them.
    /// </summary>
    public double ProgressRate { get; set; } = 1;

    /// <summary>
    /// Folder of the attempts' full ffmpeg logs, one <c>.log</c> file per attempt. A relative path is taken from
    /// <see cref="DataDirectory"/>. Default <c>logs</c>.
    /// </summary>
    public string LogDirectory { get; set; } = "logs";

    /// <summary>
    /// Folder of the launcher that runs each render's ffmpeg in its own process group and stops it when the agent dies,
    /// and of a file per running render, by which a restarted agent finds and stops renders left behind (Linux), in a
    /// subfolder named after the agent. A relative path is taken from <see cref="DataDirectory"/>. Default <c>renders</c>.
    /// </summary>
    public string RenderDirectory { get; set; } = "renders";

    /// <summary>Attempt logs kept, newest first; older ones are removed when an attempt starts. Default 200.</summary>
    public int LogRetentionCount { get; set; } = 200;

    /// <summary>Total size of the kept attempt logs, at most. Default 256 MiB.</summary>
    public long LogRetentionBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How often a running attempt's new log lines are sent to the coordinator (sooner when they reach a piece's size).
    /// Default 1 s: each piece is one database transaction on the coordinator.
    /// </summary>
    public TimeSpan LogFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On shutdown, how long running attempts may take to finish before they are stopped and reported
    /// interrupted. The host's shutdown timeout is raised to this plus a margin. Default 10 minutes.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// <c>Shared</c>: the agent mounts the media roots (<see cref="MediaRoots"/>). <c>Transfer</c>: it sees none;
    /// inputs and outputs travel over gRPC (<see cref="Transfer"/>). Default <c>Shared</c>.
    /// </summary>
    public AgentStorage Storage { get; set; } = AgentStorage.Shared;

    /// <summary>Rules for a spare machine: owner activity, working hours, blocking applications, load, disk, memory, battery.</summary>
    public Guest.GuestOptions Guest { get; set; } = new();

    /// <summary>Cache, limits and work folder of transfer mode.</summary>
    public TransferOptions Transfer { get; set; } = new();
}
