using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// One test's farm of real processes on loopback: a coordinator (killable, restartable on the same port and data
/// folder), agents, optional TCP relays between them, a media root in a temp folder, and gRPC clients. When a
/// scenario fails, the merged timeline of every process and every job (GetJob, as JSON) go to the test output.
/// </summary>
public sealed class FaultFarm : IAsyncDisposable
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation());
    private readonly ITestOutputHelper _output;
    private readonly TempDir _root = new("fault");
    private readonly List<AgentProcess> _agents = [];
    private readonly List<TcpRelay> _relays = [];

    private FaultFarm(ITestOutputHelper output, CoordinatorSettings settings)
    {
        _output = output;
        MediaDir = Directory.CreateDirectory(Path.Combine(_root.Path, "media")).FullName;
        DataDir = Directory.CreateDirectory(Path.Combine(_root.Path, "data")).FullName;
        Coordinator = new CoordinatorProcess(DataDir, MediaDir, _root.Path, settings, Log);
        Channel = Coordinator.Credentials.OperatorChannel(Coordinator.Address);
        Jobs = new JobService.JobServiceClient(Channel);
        Farm = new FarmService.FarmServiceClient(Channel);
    }

    public FarmLog Log { get; } = new();

    public string MediaDir { get; }

    public string DataDir { get; }

    public CoordinatorProcess Coordinator { get; }

    public GrpcChannel Channel { get; }

    public JobService.JobServiceClient Jobs { get; }

    public FarmService.FarmServiceClient Farm { get; }

    /// <summary>
    /// Starts a coordinator, runs <paramref name="scenario"/>, dumps diagnostics if it fails (or always, with the
    /// environment variable <c>FAULT_TESTS_DUMP=1</c>), and stops every process.
    /// </summary>
    public static async Task RunAsync(ITestOutputHelper output, CoordinatorSettings settings, Func<FaultFarm, Task> scenario)
    {
        await using var farm = new FaultFarm(output, settings);
        try
        {
            await farm.Coordinator.StartAsync(farm.Channel);
            await scenario(farm);
            if (Environment.GetEnvironmentVariable("FAULT_TESTS_DUMP") == "1") await farm.DumpAsync();
        }
        catch (Exception ex)
        {
            farm.Note($"SCENARIO FAILED: {ex.GetType().Name}: {ex.Message}");
            await farm.DumpAsync();
            throw;
        }
    }

    /// <summary>An absolute path inside the media root.</summary>
    public string Media(string relative) => Path.Combine(MediaDir, relative);

    /// <summary>A private folder for this farm (e.g. for a stand-in ffmpeg).</summary>
    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root.Path, name)).FullName;

    /// <summary>A gated, paced ffmpeg for one agent (see <see cref="FfmpegStandIn.WriteGated"/>).</summary>
    public GatedFfmpeg GatedFfmpeg(string agent, double speed) => FfmpegStandIn.WriteGated(Folder("ffmpeg-gated-" + agent), speed);

    /// <summary>A PATH folder whose ffmpeg fails every render with exit code 1 (see <see cref="FfmpegStandIn.WriteFailing"/>).</summary>
    public string FailingFfmpeg() => FfmpegStandIn.WriteFailing(Folder("ffmpeg-failing"));

    /// <summary>Writes a line into the timeline.</summary>
    public void Note(string text) => Log.Add("test", text);

    /// <summary>Writes a measurement or a finding to the test output (always shown) and the timeline.</summary>
    public void Report(string text)
    {
        Note(text);
        _output.WriteLine(text);
    }

    /// <summary>Starts an agent; unless told otherwise, waits until the coordinator lists it as connected.</summary>
    public async Task<AgentProcess> StartAgentAsync(AgentSettings settings, bool waitConnected = true)
    {
        var agent = AgentProcess.Start(settings, Coordinator.Address, MediaDir, Path.Combine(_root.Path, "agents", settings.Name), Log, Coordinator.Credentials);
        _agents.Add(agent);
        if (waitConnected) await WaitForAgentsAsync([settings.Name], TimeSpan.FromSeconds(60));
        return agent;
    }

    /// <summary>Starts several agents at once and waits until all are connected.</summary>
    public async Task<IReadOnlyList<AgentProcess>> StartAgentsAsync(params AgentSettings[] settings)
    {
        var agents = new List<AgentProcess>();
        foreach (var s in settings) agents.Add(await StartAgentAsync(s, waitConnected: false));
        await WaitForAgentsAsync(settings.Select(s => s.Name).ToList(), TimeSpan.FromSeconds(60));
        return agents;
    }

    /// <summary>A relay to the coordinator; give its <see cref="TcpRelay.Address"/> to an agent to be able to cut that agent off.</summary>
    public TcpRelay StartRelay(string name)
    {
        var relay = new TcpRelay(name, Coordinator.Port, Log);
        _relays.Add(relay);
        return relay;
    }

    public async Task<IReadOnlyList<AgentInfo>> ListAgentsAsync() =>
        (await Farm.ListAgentsAsync(new ListAgentsRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Agents;

    /// <summary>Waits until every named agent is connected (listed and not DISCONNECTED).</summary>
    public Task WaitForAgentsAsync(IReadOnlyCollection<string> names, TimeSpan timeout) =>
        Eventually.UntilAsync(async () =>
        {
            var connected = (await ListAgentsAsync()).Where(a => a.State != AgentState.Disconnected).Select(a => a.Name).ToHashSet();
            return names.All(connected.Contains);
        }, timeout, $"agents {string.Join(", ", names)} to be connected", pollMilliseconds: 50);

    /// <summary>
    /// Two proxy renders of the 8 s take (submitted here), then two short ones (through <paramref name="submitShort"/>, by default
    /// here too), each into its own output folder; returns each job with its target and the frames it must have.
    /// </summary>
    public async Task<List<(Job Job, string Target, long Frames)>> SubmitLongThenShortAsync(Func<JobSpec, Task<Job>>? submitShort = null)
    {
        var longInput = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), Media("in/long.mp4"));
        var shortInput = await FaultClips.CopyToAsync(TestClips.SdrAsync(), Media("in/short.mp4"));
        var jobs = new List<(Job Job, string Target, long Frames)>();
        foreach (var i in new[] { 1, 2 })
        {
            var target = Media($"out-{i}/long-{i}.mp4");
            jobs.Add((await SubmitAsync(Specs.Proxy($"long {i}", longInput, target)), target, FaultClips.TakeFrames));
        }

        foreach (var i in new[] { 3, 4 })
        {
            var target = Media($"out-{i}/short-{i}.mp4");
            jobs.Add((await (submitShort ?? SubmitAsync)(Specs.Proxy($"short {i}", shortInput, target)), target, FaultClips.ShortFrames));
        }

        return jobs;
    }

    public async Task<Job> SubmitAsync(JobSpec spec)
    {
        var job = (await Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec }, deadline: DateTime.UtcNow.AddSeconds(10))).Job;
        Note($"submitted {job.Id} ({spec.Name}): {Path.GetFileName(spec.InputPath)} -> {Path.GetFileName(spec.OutputPath)}");
        return job;
    }

    public async Task<Job> GetJobAsync(string jobId) =>
        (await Jobs.GetJobAsync(new GetJobRequest { JobId = jobId }, deadline: DateTime.UtcNow.AddSeconds(5))).Job;

    /// <summary>Polls GetJob until <paramref name="condition"/> holds (a restarting coordinator is waited out).</summary>
    public Task<Job> WaitForJobAsync(string jobId, Func<Job, bool> condition, TimeSpan timeout, string what, int pollMilliseconds = 100) =>
        Eventually.WaitAsync(async () =>
        {
            var job = await GetJobAsync(jobId);
            return condition(job) ? job : null;
        }, timeout, $"{jobId} {what}", pollMilliseconds);

    /// <summary>Waits until the job has ended (succeeded, failed or canceled).</summary>
    public Task<Job> WaitForEndAsync(string jobId, TimeSpan timeout) =>
        WaitForJobAsync(jobId, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, timeout, "to end");

    /// <summary>Waits until the job's first task runs and has reported at least <paramref name="percent"/> %.</summary>
    public Task<Job> WaitForProgressAsync(string jobId, double percent, TimeSpan timeout) =>
        WaitForJobAsync(jobId, j => j.Tasks.Count > 0 && j.Tasks[0].State == TaskState.Running && j.Tasks[0].Percent >= percent,
            timeout, $"to be running past {percent} %", pollMilliseconds: 50);

    /// <summary>Writes the timeline of every process and every job as JSON to the test output.</summary>
    public async Task DumpAsync()
    {
        var dump = new System.Text.StringBuilder();
        dump.Append("==== farm timeline (seconds since start) ====\n").Append(Log.Render());
        dump.Append("==== jobs (GetJob) ====\n");
        try
        {
            if (!Coordinator.IsRunning) throw new InvalidOperationException("the coordinator is not running");
            var list = await Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 500 }, deadline: DateTime.UtcNow.AddSeconds(5));
            foreach (var summary in list.Jobs)
            {
                dump.Append(Json.Format(await GetJobAsync(summary.Id))).Append('\n');
            }

            dump.Append("==== agents (ListAgents) ====\n");
            foreach (var agent in await ListAgentsAsync())
            {
                agent.Encoders.Clear();
                dump.Append(Json.Format(agent)).Append('\n');
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            dump.Append($"(cannot read jobs: {ex.Message})\n");
        }

        dump.Append("==== media folder ====\n");
        foreach (var entry in Directory.EnumerateFileSystemEntries(MediaDir, "*", SearchOption.AllDirectories).Order())
        {
            dump.Append(Path.GetRelativePath(MediaDir, entry)).Append(File.Exists(entry) ? $" ({new FileInfo(entry).Length} bytes)" : "/").Append('\n');
        }

        try
        {
            _output.WriteLine(dump.ToString());
        }
        catch (InvalidOperationException)
        {
            // The test has already ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents) agent.Dispose();
        Coordinator.Dispose();
        foreach (var relay in _relays) await relay.DisposeAsync();
        Channel.Dispose();
        _root.Dispose();
    }
}
