namespace RenderFarm.Coordinator.Dispatch;

internal static partial class Log
{
    [LoggerMessage(10, LogLevel.Information, "Task {TaskId} assigned to agent {AgentId} as attempt {AttemptId}")]
    public static partial void Assigned(ILogger logger, string taskId, string attemptId, string agentId);

    [LoggerMessage(11, LogLevel.Error, "Dispatch pass failed; it runs again on the next event")]
    public static partial void DispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(12, LogLevel.Warning, "Task {TaskId} fails as bad input: {Error}")]
    public static partial void Unreadable(ILogger logger, string taskId, string error);

    [LoggerMessage(13, LogLevel.Warning, "Task {TaskId} goes without earlier probe facts: reading them failed")]
    public static partial void ProbedSourceUnread(ILogger logger, Exception exception, string taskId);
}
