using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Watching;

/// <summary>
/// Turns the hub's change notes into events, one at a time and in order. A job is reloaded (its stored
/// state and live progress, as JobService shows it) at most once per <see cref="FarmWatchOptions.JobEventInterval"/>;
/// notes that arrive meanwhile are folded into that one load, so a busy render yields at most a few
/// PROGRESSED events a second while a state change is never lost, only delayed by that interval at most.
/// The jobs due at one moment are loaded together, in one snapshot read (three queries) per 200 jobs.
/// Agents are compared with what the log last carried every <see cref="FarmWatchOptions.AgentPollInterval"/>,
/// and at once when one joins, leaves or is nudged through <see cref="FarmEventHub.AgentChanged"/>.
/// </summary>
public sealed class FarmEventPump(
    FarmEventHub hub,
    IJobStore store,
    JobView view,
    FarmStatus status,
    IOptions<FarmWatchOptions> options,
    TimeProvider time,
    ILogger<FarmEventPump> logger) : BackgroundService
{
    private const int SeedPageSize = 500;

    /// <summary>The most jobs loaded in one snapshot read (a drain of tiny jobs changes hundreds in one pass).</summary>
    private const int LoadBatch = 200;
    private static readonly JobState[] ActiveStates = [JobState.Waiting, JobState.Queued, JobState.Running];

    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastLoad = new(StringComparer.Ordinal);
    private readonly RecentIds _ended = new(100_000);
    private DateTimeOffset _startTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _startTime = time.GetUtcNow();
        await SeedAsync(stoppingToken);

        var nextAgentPass = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            while (hub.Changes.TryRead(out var change))
            {
                if (change.Kind == FarmChange.Subject.Agent) nextAgentPass = now;
                else if (!_due.ContainsKey(change.Id)) _due[change.Id] = _lastLoad.TryGetValue(change.Id, out var last) ? Max(now, last + Interval) : now;
            }

            foreach (var jobIds in _due.Where(d => d.Value <= now).OrderBy(d => d.Value).Select(d => d.Key).ToList().Chunk(LoadBatch))
            {
                foreach (var jobId in jobIds)
                {
                    _due.Remove(jobId);
                    _lastLoad[jobId] = now;
                }

                await GuardAsync(() => JobsAsync(jobIds, stoppingToken), jobIds.Length == 1 ? jobIds[0] : $"{jobIds.Length} jobs from {jobIds[0]}");
            }

            if (nextAgentPass <= now)
            {
                await GuardAsync(() => AgentsAsync(stoppingToken), "agents");
                nextAgentPass = now + options.Value.AgentPollInterval;
                Forget(now);
            }

            var wake = _due.Count == 0 ? nextAgentPass : Min(nextAgentPass, _due.Values.Min());
            await WaitAsync(wake - time.GetUtcNow(), stoppingToken);
        }
    }

    private TimeSpan Interval => options.Value.JobEventInterval;

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        long? before = null;
        while (true)
        {
            var page = await store.ListJobsAsync(ActiveStates, before, SeedPageSize, cancellationToken);
            var found = await view.FindManyAsync(page.Select(r => r.Id).ToList(), cancellationToken);
            jobs.AddRange(page.Where(r => found.ContainsKey(r.Id)).Select(r => found[r.Id].Job));
            if (page.Count < SeedPageSize) break;
            before = page[^1].Seq;
        }

        hub.Seed(jobs, await status.ListAgentsAsync(cancellationToken));
        Log.Seeded(logger, jobs.Count);
    }

    /// <summary>Loads the jobs in one snapshot read and appends their events in the order given.</summary>
    private async Task JobsAsync(string[] jobIds, CancellationToken cancellationToken)
    {
        var found = await view.FindManyAsync(jobIds, cancellationToken);
        foreach (var jobId in jobIds)
        {
            if (!found.TryGetValue(jobId, out var loaded)) continue;
            var (job, record) = loaded;
            var endAnnounced = _ended.Contains(jobId);
            var isNew = record.CreateTime >= _startTime;
            if (JobEventKinds.Classify(hub.FindJob(jobId), job, isNew, endAnnounced) is not { } kind) continue;
            if (kind == JobEvent.Types.Kind.Finished) _ended.Add(jobId);
            hub.Append(new JobEvent { Kind = kind, Job = job });
        }
    }

    private async Task AgentsAsync(CancellationToken cancellationToken)
    {
        foreach (var agent in await status.ListAgentsAsync(cancellationToken))
        {
            if (AgentEventKinds.Classify(hub.FindAgent(agent.Id), agent) is { } kind)
            {
                hub.Append(new AgentEvent { Kind = kind, Agent = agent });
            }
        }
    }

    private async Task GuardAsync(Func<Task> work, string subject)
    {
        try
        {
            await work();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.EventFailed(logger, subject, ex);
        }
    }

    /// <summary>Waits until <paramref name="delay"/> has passed or a new change note arrives.</summary>
    private async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        if (delay <= TimeSpan.Zero) return;
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(delay, time, wake.Token);
        var note = hub.Changes.WaitToReadAsync(wake.Token).AsTask();
        await Task.WhenAny(timer, note);
        await wake.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>Drops load times too old to hold back the next event.</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var jobId in _lastLoad.Where(l => l.Value + Interval <= now).Select(l => l.Key).ToList())
        {
            _lastLoad.Remove(jobId);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
