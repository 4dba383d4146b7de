namespace RenderFarm.Coordinator.Dispatch;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Attempt {AttemptId} on agent {AgentId} was lost: {Reason}")]
    public static partial void LeaseExpired(ILogger logger, string attemptId, string agentId, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Agent {AgentId} failed job {JobId} {Failures} time(s); it is passed over for every task of that job")]
    public static partial void AgentBlocked(ILogger logger, string agentId, string jobId, int failures);

    [LoggerMessage(3, LogLevel.Warning, "Attempt {AttemptId} on agent {AgentId} timed out: {Reason}")]
    public static partial void TimedOut(ILogger logger, string attemptId, string agentId, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Attempt {AttemptId} on agent {AgentId} published (sha256 {Sha256}) but never reported ({Reason}); committed from its recorded grant")]
    public static partial void CommittedFromGrant(ILogger logger, string attemptId, string agentId, string sha256, string reason);
}
