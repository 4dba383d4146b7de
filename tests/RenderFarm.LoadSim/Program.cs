using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using RenderFarm.LoadSim;
using RenderFarm.Protos.V1;

// renderfarm-loadsim --coordinator URL --pid PID [--db-pid POSTMASTER_PID] --media DIR [--agents 1000] [--jobs 20000] [--latency-jobs 1000] [--queue-jobs 100000]
var options = Args.Parse(args);
var coordinator = options.Get("coordinator", "http://127.0.0.1:7400");
var pid = int.Parse(options.Get("pid", "0"), CultureInfo.InvariantCulture);
var dbPid = int.Parse(options.Get("db-pid", "0"), CultureInfo.InvariantCulture);
var media = options.Get("media", "media");
var agentCount = options.Int("agents", 1000);
var jobCount = options.Int("jobs", 20000);
var latencyJobs = options.Int("latency-jobs", 1000);
var queueJobs = options.Int("queue-jobs", 100000);

Directory.CreateDirectory(Path.Combine(media, "out"));
var input = Path.Combine(media, "in.mp4");
await File.WriteAllTextAsync(input, "a stand-in: simulated agents never open it");

using var channel = GrpcChannel.ForAddress(coordinator, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
});
// The farm's access: an operator key for submissions and reads, and the enrollment token each simulated agent
// exchanges for its own credential (as scripts/bench/dispatch.sh configures the coordinator).
var operatorKey = Environment.GetEnvironmentVariable("RENDERFARM_API_KEY") ?? throw new InvalidOperationException("set RENDERFARM_API_KEY to an operator key");
var enrollmentToken = Environment.GetEnvironmentVariable("Agent__EnrollmentToken") ?? throw new InvalidOperationException("set Agent__EnrollmentToken to the coordinator's enrollment token");
var operatorCalls = channel.Intercept(m =>
{
    m.Add("authorization", "Bearer " + operatorKey);
    return m;
});
var jobs = new JobService.JobServiceClient(operatorCalls);
var farm = new FarmService.FarmServiceClient(operatorCalls);
var agentClient = new AgentService.AgentServiceClient(channel);
var access = new AccessService.AccessServiceClient(channel);
using var stop = new CancellationTokenSource();

var assignedAt = new ConcurrentDictionary<string, long>();
long firstAssigned = 0, lastAssigned = 0, assignedCount = 0;
void OnAssigned(Assignment work)
{
    var now = Stopwatch.GetTimestamp();
    assignedAt[work.JobId] = now;
    Interlocked.CompareExchange(ref firstAssigned, now, 0);
    Interlocked.Exchange(ref lastAssigned, now);
    Interlocked.Increment(ref assignedCount);
}

var next = 0;
async Task<List<string>> SubmitAsync(int count, int parallel)
{
    var ids = new ConcurrentBag<string>();
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (_, ct) =>
    {
        var n = Interlocked.Increment(ref next);
        var spec = new JobSpec
        {
            Name = $"tiny {n}",
            InputPath = input,
            OutputPath = Path.Combine(media, "out", $"{n}.mp4"),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        };
        ids.Add((await jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec }, cancellationToken: ct)).Job.Id);
    });
    return [.. ids];
}

static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
void Print(string key, double value, string unit) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={value:0.##} {unit}"));

// 1. Throughput: the queue is filled first, then the agents connect and drain it.
// CPU time is printed beside every rate: on a shared machine the rates follow the load, the CPU cost per job does not.
var submitClock = Stopwatch.StartNew();
var submitCpu = pid > 0 ? ProcessStats.CpuTime(pid) : TimeSpan.Zero;
await SubmitAsync(jobCount, 32);
Print("submit_rate", jobCount / submitClock.Elapsed.TotalSeconds, "jobs/s");
if (pid > 0) Print("submit_cpu", (ProcessStats.CpuTime(pid) - submitCpu).TotalMilliseconds / jobCount, "ms of coordinator CPU per job");

var cpuBefore = pid > 0 ? ProcessStats.CpuTime(pid) : TimeSpan.Zero;
var wall = Stopwatch.StartNew();
var agents = Enumerable.Range(0, agentCount).Select(i => new SimAgent($"sim-{i:0000}", agentClient, access, enrollmentToken, OnAssigned)).ToList();
var running = agents.Select(a => Task.Run(() => a.RunAsync(stop.Token))).ToList();
await Task.WhenAll(agents.Select(a => a.Welcomed.Task)).WaitAsync(TimeSpan.FromMinutes(2));
Print("agents_connected", agentCount, $"in {wall.Elapsed.TotalSeconds:0.00} s");
var drainCpu = pid > 0 ? ProcessStats.CpuTime(pid) : TimeSpan.Zero;
var drainDbCpu = dbPid > 0 ? ProcessStats.TreeCpuTime(dbPid) : TimeSpan.Zero;
var simDrainCpu = Process.GetCurrentProcess().TotalProcessorTime;
// Half-way through, the coordinator has compiled its hot paths: the second half's CPU per task is its warm cost.
(TimeSpan Cpu, long Assigned)? halfWay = null;
while (Interlocked.Read(ref assignedCount) < jobCount && wall.Elapsed < TimeSpan.FromMinutes(10))
{
    if (halfWay is null && pid > 0 && Interlocked.Read(ref assignedCount) >= jobCount / 2) halfWay = (ProcessStats.CpuTime(pid), Interlocked.Read(ref assignedCount));
    await Task.Delay(20);
}

var drained = await WaitForStateAsync(JobState.Succeeded, jobCount);
var cpu = pid > 0 ? ProcessStats.CpuTime(pid) - cpuBefore : TimeSpan.Zero;
Print("dispatched", Interlocked.Read(ref assignedCount), "tasks");
Print("dispatch_rate", jobCount / (Ms(firstAssigned, lastAssigned) / 1000.0), "tasks/s");
Print("drain_time", drained.TotalSeconds, "s");
if (pid > 0)
{
    Print("coordinator_cpu", 100 * cpu.TotalSeconds / wall.Elapsed.TotalSeconds, "% of one core");
    Print("dispatch_cpu", (ProcessStats.CpuTime(pid) - drainCpu).TotalMilliseconds / jobCount, "ms of coordinator CPU per task (assign + complete)");
    if (halfWay is { } half) Print("dispatch_cpu_warm", (ProcessStats.CpuTime(pid) - half.Cpu).TotalMilliseconds / (jobCount - half.Assigned), "ms of coordinator CPU per task in the second half of the drain");
}

if (dbPid > 0)
{
    Print("dispatch_db_cpu", (ProcessStats.TreeCpuTime(dbPid) - drainDbCpu).TotalMilliseconds / jobCount, "ms of database server CPU per task");
}
// The simulated agents share the machine with the coordinator: what they cost is CPU the coordinator did not get.
Print("loadsim_cpu", (Process.GetCurrentProcess().TotalProcessorTime - simDrainCpu).TotalMilliseconds / jobCount, "ms of load-simulator CPU per task");

// 2. Submit-to-start with idle agents: one job at a time, from the SubmitJob call to the assignment arriving. Each
// sample is split at the SubmitJob answer (the submit's commit) and the rest (waking the dispatcher, the claim, the
// stream write); the slowest samples are printed with their offset into the phase, to tie a spike to its cause.
var latencies = new List<double>();
var submits = new List<double>();
var dispatches = new List<double>();
var offsets = new List<double>();
var phase = Stopwatch.GetTimestamp();
// CPU of the coordinator and the database in each second of the phase: what else runs when a sample is slow.
var cpuBySecond = new List<(double Coordinator, double Database)>();
(TimeSpan Coordinator, TimeSpan Database) CpuNow() =>
    (pid > 0 ? ProcessStats.CpuTime(pid) : TimeSpan.Zero, dbPid > 0 ? ProcessStats.TreeCpuTime(dbPid) : TimeSpan.Zero);
var lastCpu = CpuNow();
void SampleCpu()
{
    while (Ms(phase, Stopwatch.GetTimestamp()) >= 1000 * (cpuBySecond.Count + 1))
    {
        var now = CpuNow();
        cpuBySecond.Add(((now.Coordinator - lastCpu.Coordinator).TotalMilliseconds / 10, (now.Database - lastCpu.Database).TotalMilliseconds / 10));
        lastCpu = now;
    }
}

for (var i = 0; i < latencyJobs; i++)
{
    SampleCpu();
    var started = Stopwatch.GetTimestamp();
    var id = (await SubmitAsync(1, 1))[0];
    var answered = Stopwatch.GetTimestamp();
    long at;
    while (!assignedAt.TryGetValue(id, out at)) await Task.Delay(1);
    latencies.Add(Ms(started, at));
    submits.Add(Ms(started, answered));
    dispatches.Add(Ms(answered, at));
    offsets.Add(Ms(phase, started) / 1000);
    await Task.Delay(10);
}

Print("submit_to_start_p50", Percentiles.Of(latencies, 50), "ms");
Print("submit_to_start_p90", Percentiles.Of(latencies, 90), "ms");
Print("submit_to_start_p99", Percentiles.Of(latencies, 99), "ms");
Print("submit_to_start_max", latencies.DefaultIfEmpty(double.NaN).Max(), "ms");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"submit_to_start_split=SubmitJob answered p50 {Percentiles.Of(submits, 50):0.0} / p99 {Percentiles.Of(submits, 99):0.0} ms; answer to assignment p50 {Percentiles.Of(dispatches, 50):0.0} / p99 {Percentiles.Of(dispatches, 99):0.0} ms"));
Console.WriteLine("submit_to_start_cpu=coordinator / database % of one core, second by second: " + string.Join(" ", cpuBySecond.Take(12).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Coordinator:0}/{c.Database:0}"))));
Console.WriteLine("submit_to_start_worst=" + string.Join("; ", Enumerable.Range(0, latencies.Count).OrderByDescending(i => latencies[i]).Take(6)
    .Select(i => string.Create(CultureInfo.InvariantCulture, $"{latencies[i]:0.0} ms at {offsets[i]:0.00} s (submit {submits[i]:0.0} + dispatch {dispatches[i]:0.0})"))));

// 3. A deep queue: every agent holds one task, the rest wait; reads must stay fast.
foreach (var agent in agents) agent.Hold = true;
submitClock.Restart();
submitCpu = pid > 0 ? ProcessStats.CpuTime(pid) : TimeSpan.Zero;
await SubmitAsync(queueJobs, 32);
Print("queue_submit_rate", queueJobs / submitClock.Elapsed.TotalSeconds, "jobs/s");
if (pid > 0) Print("queue_submit_cpu", (ProcessStats.CpuTime(pid) - submitCpu).TotalMilliseconds / queueJobs, "ms of coordinator CPU per job");
var stats = await farm.GetQueueStatsAsync(new GetQueueStatsRequest());
Print("queued_jobs", stats.Jobs.Where(j => j.State == JobState.Queued).Sum(j => j.Count), "jobs");
Print("running_jobs", stats.Jobs.Where(j => j.State == JobState.Running).Sum(j => j.Count), "jobs");
Print("list_jobs_p99", await TimeAsync(() => jobs.ListJobsAsync(new ListJobsRequest { PageSize = 50 }).ResponseAsync), "ms");
Print("list_queued_jobs_p99", await TimeAsync(() => jobs.ListJobsAsync(new ListJobsRequest { PageSize = 50, States = { JobState.Queued } }).ResponseAsync), "ms");
Print("queue_stats_p99", await TimeAsync(() => farm.GetQueueStatsAsync(new GetQueueStatsRequest()).ResponseAsync), "ms");
if (pid > 0)
{
    Print("coordinator_rss", ProcessStats.MemoryMiB(pid, "VmRSS"), "MiB");
    Print("coordinator_peak_rss", ProcessStats.MemoryMiB(pid, "VmHWM"), "MiB");
}

await stop.CancelAsync();
try
{
    await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
}
catch (Exception)
{
    // Streams end with the cancel.
}

return 0;

async Task<double> TimeAsync<T>(Func<Task<T>> call)
{
    for (var i = 0; i < 10; i++) await call();
    var sample = new List<double>();
    for (var i = 0; i < 200; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await call();
        sample.Add(Ms(started, Stopwatch.GetTimestamp()));
    }

    return Percentiles.Of(sample, 99);
}

async Task<TimeSpan> WaitForStateAsync(JobState state, int count)
{
    while (true)
    {
        var stats = await farm.GetQueueStatsAsync(new GetQueueStatsRequest());
        if (stats.Jobs.Where(j => j.State == state).Sum(j => j.Count) >= count) return wall.Elapsed;
        if (wall.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"{count} jobs did not reach {state} within 10 minutes");
        await Task.Delay(50);
    }
}
