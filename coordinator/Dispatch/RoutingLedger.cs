using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// The counted routing rules (docs/routing.md): a limit group runs at most its limit of tasks at once across the farm, and
/// a job with <c>max_agents</c> runs on at most that many distinct agents at once. Built from the running attempts in
/// the database (so it holds across coordinators), then told of each task a dispatch pass or claim hands out.
/// </summary>
public sealed class RoutingLedger
{
    private readonly IReadOnlyDictionary<string, int> _limits;
    private readonly Dictionary<string, int> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _jobAgents = new(StringComparer.Ordinal);

    public RoutingLedger(IEnumerable<RunningRoute> running, IReadOnlyDictionary<string, int> limits)
    {
        _limits = limits;
        foreach (var route in running) Count(route.JobId, route.AgentId, route.LimitGroup);
    }

    /// <summary>No running attempt counted, a new one each time (it counts what it is told): for passes where no task has a counted rule.</summary>
    public static RoutingLedger Empty => new([], new Dictionary<string, int>());

    /// <summary>Tasks of <paramref name="group"/> running now.</summary>
    public int Running(string group) => _groups.GetValueOrDefault(group);

    /// <summary>The group's limit; 0 when this coordinator has none configured (nothing of the group starts).</summary>
    public int Limit(string group) => _limits.TryGetValue(group, out var limit) ? limit : 0;

    /// <summary>The agents running tasks of <paramref name="jobId"/> now.</summary>
    public IReadOnlyCollection<string> AgentsOf(string jobId) => _jobAgents.TryGetValue(jobId, out var agents) ? agents : [];

    /// <summary>Whether the group has a free place.</summary>
    public bool GroupHasRoom(TaskRequirements needs) =>
        needs.LimitGroup.Length == 0 || Running(needs.LimitGroup) < Limit(needs.LimitGroup);

    /// <summary>Whether the job may run one more task on <paramref name="agentId"/>: it already runs there, or it runs on fewer agents than its cap.</summary>
    public bool AgentAllowed(TaskRequirements needs, string jobId, string agentId) =>
        needs.MaxAgents == 0 || !_jobAgents.TryGetValue(jobId, out var agents) || agents.Contains(agentId) || agents.Count < needs.MaxAgents;

    /// <summary>Whether a task of <paramref name="jobId"/> may start on <paramref name="agentId"/> under both rules.</summary>
    public bool Allows(TaskRequirements needs, string jobId, string agentId) => GroupHasRoom(needs) && AgentAllowed(needs, jobId, agentId);

    /// <summary>Counts a task handed to <paramref name="agentId"/>.</summary>
    public void Take(TaskRequirements needs, string jobId, string agentId)
    {
        if (needs.Counted) Count(jobId, agentId, needs.LimitGroup);
    }

    /// <summary>The names the claim locks before it reads the counts: one per limit group and per capped job.</summary>
    public static IReadOnlyList<string> LockKeys(IEnumerable<(TaskRecord Task, string AgentId)> claims) =>
        claims.SelectMany(c => Keys(c.Task)).Distinct(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> Keys(TaskRecord task)
    {
        if (task.Requirements.LimitGroup.Length > 0) yield return "rf-limit:" + task.Requirements.LimitGroup;
        if (task.Requirements.MaxAgents > 0) yield return "rf-job:" + task.JobId;
    }

    private void Count(string jobId, string agentId, string group)
    {
        if (group.Length > 0) _groups[group] = _groups.GetValueOrDefault(group) + 1;
        if (!_jobAgents.TryGetValue(jobId, out var agents)) _jobAgents[jobId] = agents = new HashSet<string>(StringComparer.Ordinal);
        agents.Add(agentId);
    }
}
