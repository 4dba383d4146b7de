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
    OutputInfo? Result,
    Recurrence? Recurrence = null,
    string? RecurringJobId = null)
{
    /// <summary>A recurring job has no tasks of its own; each firing submits a new job.</summary>
    public bool IsRecurring => Recurrence is not null;
}

/// <summary>What a WAITING task waits for.</summary>
public enum TaskWait
{
    None = 0,
    Scheduled = 1,
    Backoff = 2,
    Dependency = 3,

    /// <summary>Other tasks of the same job: the stitch waits for every chunk and the audio.</summary>
    Tasks = 4,

    /// <summary>A chained job's input, the output of the job it takes it from, is checked before the task is queued (<c>ChainInputs</c>).</summary>
    Input = 5,
}

/// <summary>How long one attempt may run, and how long it may go without progress.</summary>
public sealed record TaskLimits(TimeSpan MaxRunTime, TimeSpan StallTimeout);

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
    DateTimeOffset? NotBefore,
    TaskWait WaitingFor,
    TaskLimits Limits,
    IReadOnlyList<string> BlockedAgents)
{
    public bool IsBlocked(string agentId) => BlockedAgents.Contains(agentId, StringComparer.Ordinal);

    /// <summary>What the task does in its job's graph (tasks stored before task kinds are whole-file renders).</summary>
    public TaskKind Kind => Work.Kind == TaskKind.Unspecified ? TaskKind.Render : Work.Kind;
}

/// <summary>One hand-over of a task to an agent: a lease fenced by its id.</summary>
/// <param name="Timeline">The steps the agent reported with its completion (task timeline); null until then.</param>
/// <param name="MediaMillis">The milliseconds of video its <paramref name="Frames"/> cover (throughput), 0 when it rendered none.</param>
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
    string? LogTail,
    long Frames = 0,
    long LogSize = 0,
    TaskTimeline? Timeline = null,
    long MediaMillis = 0);
