using RenderFarm.Cli.Watching;
using RenderFarm.Protos.V1;
using static RenderFarm.Protos.V1.FarmEvent;

namespace RenderFarm.Cli.Top;

/// <summary>
/// The farm as a WatchFarm subscriber knows it: a snapshot, then job and agent events applied in sequence.
/// Pure and single-threaded; a gap in the sequence makes it stale until the next snapshot.
/// </summary>
internal sealed class FarmModel
{
    private readonly Dictionary<string, AgentInfo> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _queuedSince = new(StringComparer.Ordinal);
    private readonly Dictionary<JobState, long> _ended = [];

    /// <summary>Whether a snapshot arrived and no event was missed since.</summary>
    public bool IsLive { get; private set; }

    /// <summary>Whether any snapshot ever arrived (a stale model still shows its last view).</summary>
    public bool HasSnapshot { get; private set; }

    public ulong Sequence { get; private set; }

    /// <summary>The time of the last applied event, as the coordinator stamped it.</summary>
    public DateTimeOffset? UpdateTime { get; private set; }

    /// <summary>Why the model is stale (missed events, lost stream), or null while live.</summary>
    public string? Problem { get; private set; }

    /// <summary>Snapshots applied so far; more than one means the view was rebuilt after a gap or reconnect.</summary>
    public int Snapshots { get; private set; }

    /// <summary>
    /// The agents, each running attempt's progress taken from its job's latest event: agent events come when slots or work
    /// change, job events with every progress report, so an agent row never lags the job rows.
    /// </summary>
    public IReadOnlyCollection<AgentInfo> Agents => _agents.Values.Select(WithJobProgress).ToList();

    /// <summary>Jobs that have not ended.</summary>
    public IReadOnlyCollection<Job> ActiveJobs => _jobs.Values;

    public FarmUpdate Apply(FarmEvent farmEvent)
    {
        if (farmEvent.EventCase == EventOneofCase.Snapshot)
        {
            Reset(farmEvent);
            return FarmUpdate.Applied;
        }

        if (!IsLive)
        {
            return FarmUpdate.NeedsSnapshot;
        }

        if (farmEvent.Sequence <= Sequence)
        {
            return FarmUpdate.Ignored;
        }

        if (farmEvent.Sequence != Sequence + 1)
        {
            MarkStale($"missed events {Sequence + 1}-{farmEvent.Sequence - 1}; rejoining");
            return FarmUpdate.NeedsSnapshot;
        }

        Sequence = farmEvent.Sequence;
        var time = farmEvent.Time?.ToDateTimeOffset() ?? UpdateTime ?? DateTimeOffset.UnixEpoch;
        UpdateTime = time;
        if (farmEvent.EventCase == EventOneofCase.Job && farmEvent.Job.Job is { } job)
        {
            ApplyJob(job, time);
        }
        else if (farmEvent.EventCase == EventOneofCase.Agent && farmEvent.Agent.Agent is { } agent)
        {
            ApplyAgent(farmEvent.Agent.Kind, agent);
        }

        return FarmUpdate.Applied;
    }

    /// <summary>The stream broke: keep showing the last view, marked stale, until a new snapshot.</summary>
    public void MarkStale(string problem)
    {
        IsLive = false;
        Problem = problem;
    }

    /// <summary>Jobs per state: active ones counted live, ended ones from the snapshot plus those seen ending since.</summary>
    public IReadOnlyDictionary<JobState, long> JobCounts()
    {
        var counts = Enum.GetValues<JobState>().Where(s => s != JobState.Unspecified).ToDictionary(s => s, _ => 0L);
        foreach (var job in _jobs.Values)
        {
            counts[job.State] = counts.GetValueOrDefault(job.State) + 1;
        }

        foreach (var (state, count) in _ended)
        {
            counts[state] = counts.GetValueOrDefault(state) + count;
        }

        return counts;
    }

    /// <summary>Tasks of active jobs per unfinished state.</summary>
    public IReadOnlyDictionary<TaskState, long> TaskCounts()
    {
        TaskState[] unfinished = [TaskState.Waiting, TaskState.Queued, TaskState.Assigned, TaskState.Running];
        var counts = unfinished.ToDictionary(s => s, _ => 0L);
        foreach (var task in _jobs.Values.SelectMany(j => j.Tasks).Where(t => counts.ContainsKey(t.State)))
        {
            counts[task.State]++;
        }

        return counts;
    }

    private AgentInfo WithJobProgress(AgentInfo agent)
    {
        if (agent.Running.Count == 0) return agent;
        var copy = agent.Clone();
        foreach (var attempt in copy.Running)
        {
            if (_jobs.TryGetValue(attempt.JobId, out var job) && job.Tasks.FirstOrDefault(t => t.Id == attempt.TaskId) is { State: TaskState.Running } task
                && (task.Attempts.Count == 0 || task.Attempts[^1].Id == attempt.AttemptId))
            {
                (attempt.Percent, attempt.Fps, attempt.Speed) = (task.Percent, task.Fps, task.Speed);
            }
        }

        return copy;
    }

    /// <summary>Whether a job has work waiting for an agent: it is QUEUED, or it runs while some of its tasks (chunks) are queued.</summary>
    private static bool HasQueuedWork(Job job) => job.State == JobState.Queued || job.Tasks.Any(t => t.State == TaskState.Queued);

    /// <summary>The job queued longest and since when, or null when none is queued.</summary>
    public (Job Job, DateTimeOffset Since)? OldestQueued()
    {
        if (_queuedSince.Count == 0)
        {
            return null;
        }

        var (id, since) = _queuedSince.MinBy(q => q.Value);
        return (_jobs[id], since);
    }

    private void Reset(FarmEvent farmEvent)
    {
        var snapshot = farmEvent.Snapshot;
        var time = farmEvent.Time?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch;
        _agents.Clear();
        _jobs.Clear();
        _queuedSince.Clear();
        _ended.Clear();
        foreach (var agent in snapshot.Agents)
        {
            _agents[agent.Id] = agent;
        }

        var stats = snapshot.Stats ?? new GetQueueStatsResponse();
        foreach (var count in stats.Jobs.Where(c => JobOutcome.IsFinished(c.State)))
        {
            _ended[count.State] = _ended.GetValueOrDefault(count.State) + count.Count;
        }

        DateTimeOffset? oldest = stats.OldestQueuedAge is { } age && stats.OldestQueuedJobId.Length > 0 ? time - age.ToTimeSpan() : null;
        foreach (var job in snapshot.ActiveJobs.Where(j => !JobOutcome.IsFinished(j.State)))
        {
            _jobs[job.Id] = job;
            if (HasQueuedWork(job))
            {
                var created = job.CreateTime?.ToDateTimeOffset() ?? time;
                _queuedSince[job.Id] = job.Id == stats.OldestQueuedJobId && oldest is { } since ? since
                    : oldest is { } floor && created < floor ? floor
                    : created;
            }
        }

        Sequence = farmEvent.Sequence;
        UpdateTime = time;
        IsLive = true;
        HasSnapshot = true;
        Problem = null;
        Snapshots++;
    }

    private void ApplyJob(Job job, DateTimeOffset time)
    {
        if (JobOutcome.IsFinished(job.State))
        {
            if (_jobs.Remove(job.Id))
            {
                _ended[job.State] = _ended.GetValueOrDefault(job.State) + 1;
            }

            _queuedSince.Remove(job.Id);
            return;
        }

        _jobs[job.Id] = job;
        if (!HasQueuedWork(job))
        {
            _queuedSince.Remove(job.Id);
        }
        else
        {
            _queuedSince.TryAdd(job.Id, time);
        }
    }

    private void ApplyAgent(AgentEvent.Types.Kind kind, AgentInfo agent)
    {
        if (kind == AgentEvent.Types.Kind.Left && agent.State != AgentState.Disconnected)
        {
            agent = agent.Clone();
            agent.State = AgentState.Disconnected;
            agent.Running.Clear();
        }

        _agents[agent.Id] = agent;
    }
}
