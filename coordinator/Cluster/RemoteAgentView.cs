using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// How an agent another coordinator holds is listed: as that coordinator wrote it, with what the database knows
/// better: its running attempts (and so its state and free slots) and the operator's drain.
/// </summary>
public static class RemoteAgentView
{
    /// <param name="mine">The ids of the agent's live attempts, from the attempts table.</param>
    /// <param name="drained">The operator's stored drains, by agent id.</param>
    public static AgentInfo Connected(AgentInfo written, IReadOnlyList<string> mine, IReadOnlyDictionary<string, string> drained)
    {
        var info = written.Clone();
        if (drained.TryGetValue(info.Id, out var reason))
        {
            info.Draining = true;
            info.DrainReason = reason.Length == 0 ? AgentDrains.DefaultReason : reason;
        }

        info.RunningAttemptIds.Clear();
        info.RunningAttemptIds.AddRange(mine);
        info.Running.Clear();
        info.Running.AddRange(mine.Select(id => new RunningAttempt { AttemptId = id }));
        info.FreeSlots = (uint)Math.Max(0, (int)info.Slots - mine.Count);
        info.State = info.Draining ? (mine.Count > 0 ? AgentState.Draining : AgentState.Drained)
            : info.PausedAttemptIds.Count > 0 ? AgentState.Paused
            : info.AwayReason.Length > 0 ? AgentState.Away
            : mine.Count > 0 ? AgentState.Busy : AgentState.Idle;
        return info;
    }

    public static AgentInfo Disconnected(AgentInfo written)
    {
        var info = written.Clone();
        info.State = AgentState.Disconnected;
        info.FreeSlots = 0;
        info.RunningAttemptIds.Clear();
        info.Running.Clear();
        return info;
    }

    /// <summary>The agent with each running attempt's job, task and live progress, where this coordinator knows them.</summary>
    public static AgentInfo WithDetails(AgentInfo listed, IReadOnlyDictionary<string, RunningAttempt> running)
    {
        var info = listed.Clone();
        info.Running.Clear();
        info.Running.AddRange(listed.RunningAttemptIds.Select(id => running.GetValueOrDefault(id) ?? new RunningAttempt { AttemptId = id }));
        return info;
    }
}
