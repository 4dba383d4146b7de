namespace RenderFarm.Coordinator.Thumbnails;

public sealed partial class ThumbnailCatchUp
{
    [LoggerMessage(1, LogLevel.Information, "Thumbnail catch-up: made the thumbnails of {Made} of {Tried} succeeded jobs that had none")]
    private static partial void LogCaughtUp(ILogger logger, int made, int tried);

    [LoggerMessage(2, LogLevel.Warning, "Thumbnail catch-up stopped; jobs without thumbnails keep none until the next start")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
