namespace RenderFarm.Coordinator.Jobs;

/// <summary>A running attempt as the routing rules count it: its job, its agent and its task's limit group (empty for none).</summary>
public sealed record RunningRoute(string JobId, string AgentId, string LimitGroup);
