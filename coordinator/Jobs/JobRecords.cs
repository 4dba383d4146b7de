using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>A job as stored: what the editor asked for, and where it stands.</summary>
public sealed record JobRecord(
    string Id,
    JobSpec Spec,
    JobState State,
    long Seq,
    DateTimeOffset CreateTime,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    string? Error,
    OutputInfo? Result);

/// <summary>A unit of work an agent runs. A job has one or more.</summary>
public sealed record TaskRecord(
    string Id,
    string JobId,
    TaskState State,
    int Priority,
    long Seq,
    Assignment Work,
    TaskRequirements Requirements,
    int FailedAttempts,
    int LostAttempts,
    int MaxRetries,
    DateTimeOffset? NotBefore);

/// <summary>One hand-over of a task to an agent: a lease fenced by its id.</summary>
public sealed record AttemptRecord(
    string Id,
    string TaskId,
    string JobId,
    string AgentId,
    AttemptOutcome Outcome,
    DateTimeOffset StartTime,
    DateTimeOffset LeaseExpiry,
    DateTimeOffset? EndTime,
    FailureClass FailureClass,
    string? Error,
    int ExitCode,
    string? LogTail);
