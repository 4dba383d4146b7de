namespace RenderFarm.Coordinator.Dispatch;

internal static partial class Log
{
    [LoggerMessage(20, LogLevel.Information, "Agent {AgentId} joined with {Slots} slot(s), {FfmpegVersion}")]
    public static partial void AgentJoined(ILogger logger, string agentId, uint slots, string ffmpegVersion);

    [LoggerMessage(21, LogLevel.Information, "Agent {AgentId} left")]
    public static partial void AgentLeft(ILogger logger, string agentId);

    [LoggerMessage(22, LogLevel.Warning, "Agent {AgentId} reported on attempt {AttemptId}, which is not its live lease; ignored")]
    public static partial void StaleReport(ILogger logger, string agentId, string attemptId);

    [LoggerMessage(23, LogLevel.Information, "Agent {AgentId} is draining: {Reason}")]
    public static partial void AgentDraining(ILogger logger, string agentId, string reason);

    [LoggerMessage(24, LogLevel.Information, "Agent {AgentId} by its own rules: {Reason}")]
    public static partial void AgentAway(ILogger logger, string agentId, string reason);
}
