namespace RenderFarm.Agent.Link;

internal static partial class Log
{
    [LoggerMessage(20, LogLevel.Information, "Connected to {Coordinator} as {AgentId}")]
    public static partial void Connected(ILogger logger, string coordinator, string agentId);

    [LoggerMessage(21, LogLevel.Warning, "Lost {Coordinator} ({Reason}); reconnecting in {Delay}")]
    public static partial void Reconnecting(ILogger logger, string coordinator, TimeSpan delay, string reason);

    [LoggerMessage(23, LogLevel.Error, "{Coordinator} refused this agent; waiting does not mend it, so it tries again only every {Delay}: {Advice}")]
    public static partial void Refused(ILogger logger, string coordinator, TimeSpan delay, string advice);

    [LoggerMessage(24, LogLevel.Critical, "{Coordinator} refused this agent and Agent:ExitOnRefusal is set, so it stops (exit code 3): {Advice}")]
    public static partial void RefusedExiting(ILogger logger, string coordinator, string advice);

    [LoggerMessage(22, LogLevel.Information, "The coordinator says this agent is drained: {Draining} ({Reason})")]
    public static partial void OperatorDrain(ILogger logger, bool draining, string reason);
}
