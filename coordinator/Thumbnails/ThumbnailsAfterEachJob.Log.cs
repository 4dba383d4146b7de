namespace RenderFarm.Coordinator.Thumbnails;

public sealed partial class ThumbnailsAfterEachJob
{
    [LoggerMessage(1, LogLevel.Warning, "Could not make the thumbnails of job {JobId} after it ended; they are made when first asked for")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);
}
