using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Watching;

/// <summary>
/// The farm as the event log describes it: every agent's last AgentInfo and every job that has not ended.
/// The hub applies each event to it as the event gets its sequence number, so a snapshot taken from it is
/// exactly the state after that number. Messages in it are never changed, only replaced.
/// </summary>
internal sealed class FarmView
{
    private readonly Dictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentInfo> _agents = new(StringComparer.Ordinal);

    public Job? FindJob(string jobId) => _jobs.GetValueOrDefault(jobId);

    public AgentInfo? FindAgent(string agentId) => _agents.GetValueOrDefault(agentId);

    public void Apply(FarmEvent farmEvent)
    {
        switch (farmEvent.EventCase)
        {
            case FarmEvent.EventOneofCase.Job when farmEvent.Job.Kind == JobEvent.Types.Kind.Finished:
                _jobs.Remove(farmEvent.Job.Job.Id);
                break;
            case FarmEvent.EventOneofCase.Job:
                _jobs[farmEvent.Job.Job.Id] = farmEvent.Job.Job;
                break;
            case FarmEvent.EventOneofCase.Agent:
                _agents[farmEvent.Agent.Agent.Id] = farmEvent.Agent.Agent;
                break;
        }
    }

    /// <summary>
    /// Agents by name and active jobs oldest first. The progress of each agent's running attempts is taken
    /// from the jobs, which carry the latest progress the log has seen.
    /// </summary>
    public FarmSnapshot Snapshot()
    {
        var snapshot = new FarmSnapshot();
        snapshot.Agents.AddRange(_agents.Values.OrderBy(a => a.Name, StringComparer.Ordinal).Select(WithJobProgress));
        snapshot.ActiveJobs.AddRange(_jobs.Values.OrderBy(j => j.CreateTime).ThenBy(j => j.Id, StringComparer.Ordinal));
        return snapshot;
    }

    private AgentInfo WithJobProgress(AgentInfo agent)
    {
        if (agent.Running.Count == 0) return agent;
        var copy = agent.Clone();
        foreach (var running in copy.Running)
        {
            var task = FindJob(running.JobId)?.Tasks.FirstOrDefault(t => t.Id == running.TaskId);
            if (task is null) continue;
            running.Percent = task.Percent;
            running.Fps = task.Fps;
            running.Speed = task.Speed;
        }

        return copy;
    }
}
