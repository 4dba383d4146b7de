using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Coordinator.Publishing;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>The job domain over a real SQLite store in a temp folder, with a fake clock.</summary>
public sealed class DomainHarness : IAsyncDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("rf-domain-").FullName;
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    public RecordingReleases Releases { get; } = new();
    public RecordingSignals Signals { get; } = new();
    public RecordingRecurring Recurring { get; } = new();
    public CoordinatorOptions Options { get; } = new() { LeaseDuration = TimeSpan.FromSeconds(30), DefaultMaxRetries = 2, FreeLostAttempts = 1 };
    public FarmMetrics Metrics { get; } = new();
    public IJobStore Store { get; }
    public JobCatalog Catalog { get; }
    public AttemptLifecycle Attempts { get; }
    public JobValidator Validator { get; }
    public JobSequence Sequence { get; } = new();
    public LiveProgress Progress { get; } = new();
    public string MediaDir => Path.Combine(Root, "media");
    public MediaRoots Roots { get; }
    public PublishedOutputs Published { get; }

    /// <summary>Counts the times the domain asked for chained inputs to be checked.</summary>
    public sealed class ChainCheckRecorder : IChainInputChecks
    {
        public int Wakes { get; private set; }

        public void Wake() => Wakes++;
    }

    public ChainCheckRecorder ChainChecks { get; } = new();

    public DomainHarness(IJobStore? store = null)
    {
        Directory.CreateDirectory(MediaDir);
        Options.MediaRoots = new() { ["media"] = MediaDir };
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Store = store ?? new SqliteJobStore(SqliteJobStore.ConnectionStringFor(Path.Combine(Root, "farm.db")));
        Store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        var events = new JobEvents();
        Roots = new MediaRoots(options);
        Published = new PublishedOutputs(Roots, NullLogger<PublishedOutputs>.Instance);
        Validator = new JobValidator(Roots, options, Time);
        Catalog = new JobCatalog(Store, Validator, Sequence, Signals, Releases, Recurring, ChainChecks, Time);
        Attempts = new AttemptLifecycle(Store, options, Releases, events, Progress, Signals,
            new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10), () => 0.5), Metrics, Published, Time, NullLogger<AttemptLifecycle>.Instance);
    }

    /// <summary>Submits a proxy transcode of a (fake) input file that exists in the media root.</summary>
    public async Task<JobRecord> SubmitAsync(string name = "clip", int priority = 0, uint? maxRetries = null, Action<JobSpec>? change = null) =>
        await Catalog.SubmitAsync(Spec(name, priority, maxRetries, change), CancellationToken.None);

    /// <summary>A valid proxy transcode spec over a (fake) input file that exists in the media root.</summary>
    public JobSpec Spec(string name = "clip", int priority = 0, uint? maxRetries = null, Action<JobSpec>? change = null)
    {
        var input = Path.Combine(MediaDir, name + ".mov");
        File.WriteAllText(input, "not really a movie");
        var spec = new JobSpec
        {
            Name = name,
            InputPath = input,
            OutputPath = Path.Combine(MediaDir, name + "-proxy.mp4"),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P },
            Priority = priority,
        };
        if (maxRetries is { } r) spec.MaxRetries = r;
        change?.Invoke(spec);
        return spec;
    }

    public async Task<AttemptRecord> AssignAsync(string jobId, string agent = "agent-a")
    {
        var task = (await Store.GetTasksAsync(jobId, CancellationToken.None)).Single();
        return await Attempts.TryAssignAsync(task, agent, CancellationToken.None) ?? throw new InvalidOperationException("not assignable");
    }

    public async Task<TaskRecord> TaskOf(string jobId) => (await Store.GetTasksAsync(jobId, CancellationToken.None)).Single();

    public async Task<JobRecord> JobOf(string jobId) => (await Store.FindJobAsync(jobId, CancellationToken.None))!;

    /// <summary>A harness over the named store: <c>sqlite</c> (a file) or <c>postgres</c> (a fresh database).</summary>
    public static async Task<DomainHarness> ForAsync(string provider) => provider switch
    {
        "sqlite" => new DomainHarness(),
        "postgres" => new DomainHarness(await NewPostgresStoreAsync()),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "sqlite or postgres"),
    };

    /// <summary>A PostgreSQL store over a new database (or over <paramref name="connectionString"/>), not yet initialised.</summary>
    public static async Task<PostgresJobStore> NewPostgresStoreAsync(string? connectionString = null) =>
        new(connectionString ?? await RenderFarm.Testing.TestPostgres.CreateDatabaseAsync(), NullLogger<PostgresJobStore>.Instance);

    public async ValueTask DisposeAsync()
    {
        if (Store is IAsyncDisposable disposable) await disposable.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    public sealed class RecordingReleases : IReleaseScheduler
    {
        public List<(string TaskId, DateTimeOffset At)> Scheduled { get; } = [];

        public Task ScheduleReleaseAsync(string taskId, DateTimeOffset at, CancellationToken cancellationToken)
        {
            Scheduled.Add((taskId, at));
            return Task.CompletedTask;
        }
    }

    public sealed class RecordingRecurring : IRecurringScheduler
    {
        public Dictionary<string, CronSchedule> Scheduled { get; } = [];

        public Task ScheduleAsync(string jobId, CronSchedule schedule, CancellationToken cancellationToken)
        {
            Scheduled[jobId] = schedule;
            return Task.CompletedTask;
        }

        public Task UnscheduleAsync(string jobId, CancellationToken cancellationToken)
        {
            Scheduled.Remove(jobId);
            return Task.CompletedTask;
        }
    }

    public sealed class RecordingSignals : IWorkSignals
    {
        public int Wakeups { get; private set; }
        public List<(string Agent, string Attempt, bool Canceled)> Stops { get; } = [];

        public void WorkAvailable() => Wakeups++;

        public void StopAttempt(string agentId, string attemptId, bool canceled, string reason) => Stops.Add((agentId, attemptId, canceled));
    }
}
