using Prometheus;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Observability;

/// <summary>
/// The coordinator's Prometheus metrics, in a registry of their own so that two coordinators in one process
/// (as in tests) never share a series. The domain records counters and histograms as things happen;
/// <see cref="FarmGauges"/> refreshes the gauges from the store and the agent registry at every scrape.
/// </summary>
public sealed class FarmMetrics
{
    private static readonly double[] WaitBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
    private static readonly double[] RpcBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] RenderBuckets = [1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

    public FarmMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);

        Jobs = factory.CreateGauge("renderfarm_jobs", "Jobs in the store, by state.", "state");
        Tasks = factory.CreateGauge("renderfarm_tasks", "Tasks in the store, by state.", "state");
        ConnectedAgents = factory.CreateGauge("renderfarm_agents_connected", "Agents connected to this coordinator.");
        Slots = factory.CreateGauge("renderfarm_slots", "Render slots of the connected agents.");
        BusySlots = factory.CreateGauge("renderfarm_slots_busy", "Slots of the connected agents that run an attempt.");
        RenderFps = factory.CreateGauge("renderfarm_render_fps", "Frames per second the farm renders right now (sum of the running attempts' last progress reports).");
        FramesRendered = factory.CreateCounter("renderfarm_frames_rendered_total", "Video frames in the outputs of succeeded attempts; rate() gives frames per second.");
        SubmitToStart = factory.CreateHistogram("renderfarm_task_submit_to_start_seconds",
            "From a job's submission to its task's first assignment to an agent.",
            new HistogramConfiguration { Buckets = WaitBuckets });
        TaskDuration = factory.CreateHistogram("renderfarm_task_duration_seconds",
            "From assignment to success of an attempt, by preset.",
            ["preset"], new HistogramConfiguration { Buckets = RenderBuckets });
        RetriesScheduled = factory.CreateCounter("renderfarm_retries_scheduled_total", "Failed tasks put on a backoff before another try.");
        AttemptFailures = factory.CreateCounter("renderfarm_attempt_failures_total", "Attempts that failed or were lost, by failure class.", "class");

        foreach (var failureClass in MetricLabels.Values<FailureClass>()) AttemptFailures.WithLabels(MetricLabels.Of(failureClass));

        // What an operator's Prometheus expects of any service: the build, the process and the .NET runtime
        // (process_cpu_seconds_total, process_resident_memory_bytes, dotnet_collection_count_total, ...), and per-RPC counts
        // and times (RpcMetricsInterceptor).
        var build = Protos.Hosting.BuildVersion.Of(typeof(FarmMetrics).Assembly);
        factory.CreateGauge("renderfarm_build_info", "The build this process runs (always 1).", "component", "version", "revision", "runtime")
            .WithLabels("coordinator", build.Version, build.Revision, build.Runtime).Set(1);
        DotNetStats.Register(Registry);
        RpcStarted = factory.CreateCounter("grpc_server_started_total", "gRPC calls started, by type, service and method.", "grpc_type", "grpc_service", "grpc_method");
        RpcHandled = factory.CreateCounter("grpc_server_handled_total", "gRPC calls finished, by type, service, method and status code.", "grpc_type", "grpc_service", "grpc_method", "grpc_code");
        RpcHandlingSeconds = factory.CreateHistogram("grpc_server_handling_seconds", "Time from a gRPC call's start to its end (a stream's whole life), by type, service and method.",
            ["grpc_type", "grpc_service", "grpc_method"], new HistogramConfiguration { Buckets = RpcBuckets });
    }

    public Counter RpcStarted { get; }

    public Counter RpcHandled { get; }

    public Histogram RpcHandlingSeconds { get; }

    /// <summary>The registry the <c>/metrics</c> endpoint exports.</summary>
    public CollectorRegistry Registry { get; }

    public Gauge Jobs { get; }

    public Gauge Tasks { get; }

    public Gauge ConnectedAgents { get; }

    public Gauge Slots { get; }

    public Gauge BusySlots { get; }

    public Gauge RenderFps { get; }

    public Counter FramesRendered { get; }

    public Histogram SubmitToStart { get; }

    public Histogram TaskDuration { get; }

    public Counter RetriesScheduled { get; }

    public Counter AttemptFailures { get; }

    /// <summary>A task got its first attempt, <paramref name="sinceSubmit"/> after its job was submitted.</summary>
    public void TaskStarted(TimeSpan sinceSubmit) => SubmitToStart.Observe(Math.Max(0, sinceSubmit.TotalSeconds));

    public void AttemptSucceeded(Preset preset, TimeSpan duration, ulong frames)
    {
        TaskDuration.WithLabels(PresetLabel(preset)).Observe(Math.Max(0, duration.TotalSeconds));
        FramesRendered.Inc(frames);
    }

    public void AttemptFailed(FailureClass failureClass) => AttemptFailures.WithLabels(MetricLabels.Of(failureClass)).Inc();

    public void RetryScheduled() => RetriesScheduled.Inc();

    private static string PresetLabel(Preset preset) => PresetCatalog.TryGet(preset, out var info) ? info.Name : "unknown";
}
