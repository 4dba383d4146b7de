using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

public sealed partial class ThumbnailMaker
{
    [LoggerMessage(1, LogLevel.Information, "Made the {Kind} thumbnail of job {JobId}: {Width}x{Height}, {Bytes} bytes")]
    private static partial void LogMade(ILogger logger, string jobId, ThumbnailKind kind, int width, int height, int bytes);

    [LoggerMessage(2, LogLevel.Warning, "Job {JobId} has no thumbnail: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string jobId, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Could not make the thumbnail of job {JobId}; it has none")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);
}
