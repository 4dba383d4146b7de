namespace RenderFarm.Agent.Logs;

public sealed partial class AttemptLogs
{
    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Warning, "Attempt {AttemptId}: cannot write its log in {Directory}; it runs without one")]
        public static partial void CannotWrite(ILogger logger, Exception exception, string attemptId, string directory);

        [LoggerMessage(41, LogLevel.Debug, "Removed {Count} old attempt logs from {Directory}")]
        public static partial void Pruned(ILogger logger, int count, string directory);

        [LoggerMessage(42, LogLevel.Warning, "Cannot prune old attempt logs in {Directory}")]
        public static partial void PruneFailed(ILogger logger, Exception exception, string directory);
    }
}
