namespace RenderFarm.Agent.Drain;

public sealed partial class AgentDrain
{
    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Information, "Draining: {Running} attempts running; they get up to {Timeout} to finish, and no new work is taken")]
        public static partial void Draining(ILogger logger, int running, TimeSpan timeout);

        [LoggerMessage(31, LogLevel.Warning, "Interrupting {Running} attempts: {Reason}")]
        public static partial void Interrupting(ILogger logger, int running, string reason);

        [LoggerMessage(32, LogLevel.Error, "Attempts {AttemptIds} did not stop in time; exiting anyway")]
        public static partial void StillRunning(ILogger logger, string attemptIds);

        [LoggerMessage(33, LogLevel.Warning, "The last reports did not reach the coordinator within {Timeout}; its leases will run out")]
        public static partial void NotFlushed(ILogger logger, TimeSpan timeout);

        [LoggerMessage(34, LogLevel.Information, "Drained")]
        public static partial void Drained(ILogger logger);
    }
}
