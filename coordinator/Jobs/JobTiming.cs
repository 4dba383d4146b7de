namespace RenderFarm.Coordinator.Jobs;

/// <summary>When a job may run and for how long: start time or cron, dependencies, and per-attempt limits.</summary>
public sealed record JobTiming(
    DateTimeOffset? StartTime,
    CronSchedule? Cron,
    IReadOnlyList<string> DependsOn,
    TaskLimits Limits);
