using Google.Protobuf;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Watching;

/// <summary>
/// The farm as the event log describes it: every agent's last AgentInfo and every job that has not ended.
/// The hub applies each event to it as the event gets its sequence number, so a snapshot taken from it is
/// exactly the state after that number.
/// <para>
/// A deep queue holds tens of thousands of active jobs, so each job is kept as its encoded bytes (a few
/// hundred bytes for a small job, against several kilobytes for the parsed message and its strings and
/// timestamps). Entries are never changed, only replaced, so <see cref="Capture"/> copies references under
/// the hub's lock and the parsing is left to the subscriber, outside it.
/// </para>
/// </summary>
internal sealed class FarmView
{
    private readonly Dictionary<string, JobEntry> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentInfo> _agents = new(StringComparer.Ordinal);

    public int JobCount => _jobs.Count;

    public Job? FindJob(string jobId) => _jobs.TryGetValue(jobId, out var entry) ? entry.Parse() : null;

    public AgentInfo? FindAgent(string agentId) => _agents.GetValueOrDefault(agentId);

    public void Apply(FarmEvent farmEvent)
    {
        switch (farmEvent.EventCase)
        {
            case FarmEvent.EventOneofCase.Job when farmEvent.Job.Kind == JobEvent.Types.Kind.Finished:
                _jobs.Remove(farmEvent.Job.Job.Id);
                break;
            case FarmEvent.EventOneofCase.Job:
                _jobs[farmEvent.Job.Job.Id] = JobEntry.Of(farmEvent.Job.Job);
                break;
            case FarmEvent.EventOneofCase.Agent:
                _agents[farmEvent.Agent.Agent.Id] = farmEvent.Agent.Agent;
                break;
        }
    }

    /// <summary>The view as it stands, by reference (cheap enough to take under the hub's lock).</summary>
    public FarmViewCopy Capture() => new([.. _agents.Values], [.. _jobs.Values]);

    /// <summary>A job as the log last carried it: its encoded message and the keys the snapshot sorts by.</summary>
    internal sealed record JobEntry(long CreateTicks, string Id, byte[] Bytes)
    {
        public static JobEntry Of(Job job) =>
            new(job.CreateTime?.ToDateTimeOffset().UtcTicks ?? 0, job.Id, job.ToByteArray());

        public Job Parse() => Job.Parser.ParseFrom(Bytes);
    }
}

/// <summary>The view at one sequence number, decoded into a <see cref="FarmSnapshot"/> only when asked.</summary>
internal sealed class FarmViewCopy(IReadOnlyList<AgentInfo> agents, IReadOnlyList<FarmView.JobEntry> jobs)
{
    /// <summary>
    /// Agents by name and active jobs oldest first. The progress of each agent's running attempts is taken
    /// from the jobs, which carry the latest progress the log has seen.
    /// </summary>
    public FarmSnapshot ToSnapshot()
    {
        var parsed = jobs.OrderBy(j => j.CreateTicks).ThenBy(j => j.Id, StringComparer.Ordinal).Select(j => j.Parse()).ToList();
        var byId = parsed.ToDictionary(j => j.Id, StringComparer.Ordinal);
        var snapshot = new FarmSnapshot();
        snapshot.Agents.AddRange(agents.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => WithJobProgress(a, byId)));
        snapshot.ActiveJobs.AddRange(parsed);
        return snapshot;
    }

    private static AgentInfo WithJobProgress(AgentInfo agent, Dictionary<string, Job> jobs)
    {
        if (agent.Running.Count == 0) return agent;
        var copy = agent.Clone();
        foreach (var running in copy.Running)
        {
            var task = jobs.GetValueOrDefault(running.JobId)?.Tasks.FirstOrDefault(t => t.Id == running.TaskId);
            if (task is null) continue;
            running.Percent = task.Percent;
            running.Fps = task.Fps;
            running.Speed = task.Speed;
            running.TimeLeft = task.TimeLeft;
        }

        return copy;
    }
}
