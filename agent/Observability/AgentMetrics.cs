using Prometheus;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Observability;

/// <summary>
/// The agent's Prometheus metrics (docs/operating.md), in a registry of their own so that several agents in one process
/// (as in tests) never share a series. The parts that do the work count renders, ffmpeg time, frames, cache hits and
/// transferred bytes as they happen; <see cref="AgentMetricsServer"/> sets the gauges (slots, cache size, away) at
/// each scrape. Also the build, the process and the .NET runtime.
/// </summary>
public sealed class AgentMetrics
{
    public AgentMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        var build = Protos.Hosting.BuildVersion.Of(typeof(AgentMetrics).Assembly);
        factory.CreateGauge("renderfarm_build_info", "The build this process runs (always 1).", "component", "version", "revision", "runtime")
            .WithLabels("agent", build.Version, build.Revision, build.Runtime).Set(1);
        DotNetStats.Register(Registry);

        Renders = factory.CreateCounter("renderfarm_agent_renders_total",
            "Attempts this agent ended, by task kind and outcome (succeeded, failed, interrupted, stopped).", "kind", "outcome");
        FfmpegSeconds = factory.CreateCounter("renderfarm_agent_ffmpeg_seconds_total",
            "Wall-clock seconds attempts spent in ffmpeg and its checks (after any download), by task kind.", "kind");
        FramesRendered = factory.CreateCounter("renderfarm_agent_frames_rendered_total", "Video frames in the outputs this agent published.");
        CacheRequests = factory.CreateCounter("renderfarm_agent_cache_requests_total",
            "Transfer mode: blobs an attempt needed, by result (hit: already in the cache; miss: downloaded).", "result");
        TransferBytes = factory.CreateCounter("renderfarm_agent_transfer_bytes_total",
            "Transfer mode: bytes moved over TransferService, by direction (download, upload).", "direction");
        Slots = factory.CreateGauge("renderfarm_agent_slots", "Tasks this agent runs at once (Agent:Slots).");
        BusySlots = factory.CreateGauge("renderfarm_agent_slots_busy", "Slots running an attempt now.");
        CacheBytes = factory.CreateGauge("renderfarm_agent_cache_bytes", "Transfer mode: bytes in the blob cache.");
        CacheBlobs = factory.CreateGauge("renderfarm_agent_cache_blobs", "Transfer mode: blobs in the cache.");
        Away = factory.CreateGauge("renderfarm_agent_away", "1 while the agent's own rules keep it from new work (owner active, outside hours, ...).");
        OwnerPresent = factory.CreateGauge("renderfarm_agent_owner_present", "1 while the machine's owner is using it (Agent:Guest rules).");
        PausedAttempts = factory.CreateGauge("renderfarm_agent_paused_attempts", "Attempts suspended while the owner uses the machine.");

        foreach (var outcome in new[] { "succeeded", "failed", "interrupted", "stopped" }) Renders.WithLabels("render", outcome);
        foreach (var result in new[] { "hit", "miss" }) CacheRequests.WithLabels(result);
        foreach (var direction in new[] { "download", "upload" }) TransferBytes.WithLabels(direction);
    }

    public CollectorRegistry Registry { get; }

    public Counter Renders { get; }

    public Counter FfmpegSeconds { get; }

    public Counter FramesRendered { get; }

    public Counter CacheRequests { get; }

    public Counter TransferBytes { get; }

    public Gauge Slots { get; }

    public Gauge BusySlots { get; }

    public Gauge CacheBytes { get; }

    public Gauge CacheBlobs { get; }

    public Gauge Away { get; }

    public Gauge OwnerPresent { get; }

    public Gauge PausedAttempts { get; }

    /// <summary>An attempt of <paramref name="kind"/> ended with <paramref name="outcome"/> after <paramref name="seconds"/> of work.</summary>
    public void AttemptEnded(TaskKind kind, string outcome, double seconds, ulong frames)
    {
        var label = KindLabel(kind);
        Renders.WithLabels(label, outcome).Inc();
        FfmpegSeconds.WithLabels(label).Inc(Math.Max(0, seconds));
        if (frames > 0) FramesRendered.Inc(frames);
    }

    public void CacheRequest(bool hit) => CacheRequests.WithLabels(hit ? "hit" : "miss").Inc();

    public void Downloaded(long bytes) => TransferBytes.WithLabels("download").Inc(bytes);

    public void Uploaded(long bytes) => TransferBytes.WithLabels("upload").Inc(bytes);

    /// <summary>"render", "probe", "chunk", "audio", "stitch" (a task stored before task kinds is a render).</summary>
    public static string KindLabel(TaskKind kind) => kind == TaskKind.Unspecified ? "render" : kind.ToString().ToLowerInvariant();
}
