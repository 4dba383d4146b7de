namespace RenderFarm.Coordinator.Dispatch;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Attempt {AttemptId} on agent {AgentId} was lost: {Reason}")]
    public static partial void LeaseExpired(ILogger logger, string attemptId, string agentId, string reason);
}
