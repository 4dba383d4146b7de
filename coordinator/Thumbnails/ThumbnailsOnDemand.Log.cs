namespace RenderFarm.Coordinator.Thumbnails;

public sealed partial class ThumbnailsOnDemand
{
    [LoggerMessage(1, LogLevel.Debug, "Stopped making the thumbnails of job {JobId}: everyone who asked for them has gone")]
    private static partial void LogAbandoned(ILogger logger, string jobId);
}
