using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Attempt {AttemptId} of job {JobId} started")]
    public static partial void Starting(ILogger logger, string attemptId, string jobId);

    [LoggerMessage(2, LogLevel.Information, "Attempt {AttemptId} published {Path}")]
    public static partial void Finished(ILogger logger, string attemptId, string path);

    [LoggerMessage(3, LogLevel.Warning, "Attempt {AttemptId} failed ({FailureClass}): {Message}")]
    public static partial void Failed(ILogger logger, string attemptId, FailureClass failureClass, string message);

    [LoggerMessage(4, LogLevel.Error, "Attempt {AttemptId} hit an agent error")]
    public static partial void Crashed(ILogger logger, Exception exception, string attemptId);

    [LoggerMessage(5, LogLevel.Information, "Stopping attempt {AttemptId}: {Reason}")]
    public static partial void Stopping(ILogger logger, string attemptId, string reason);

    [LoggerMessage(6, LogLevel.Information, "Attempt {AttemptId} stopped; nothing was published")]
    public static partial void Stopped(ILogger logger, string attemptId);

    [LoggerMessage(7, LogLevel.Warning, "Attempt {AttemptId} was assigned twice; the second is ignored")]
    public static partial void DuplicateAssignment(ILogger logger, string attemptId);

    [LoggerMessage(8, LogLevel.Warning, "Attempt {AttemptId} arrived while the agent drains; answered interrupted")]
    public static partial void Refused(ILogger logger, string attemptId);

    [LoggerMessage(9, LogLevel.Warning, "Interrupting attempt {AttemptId}: {Reason}")]
    public static partial void Interrupting(ILogger logger, string attemptId, string reason);

    [LoggerMessage(10, LogLevel.Warning, "Attempt {AttemptId} interrupted; nothing was published: {Reason}")]
    public static partial void Interrupted(ILogger logger, string attemptId, string reason);

    [LoggerMessage(11, LogLevel.Information, "Attempt {AttemptId}: ffmpeg ended; its slot is free for the next task while the output is checked")]
    public static partial void SlotReturned(ILogger logger, string attemptId);
}
