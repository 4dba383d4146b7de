using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

public sealed partial class ThumbnailMaker
{
    [LoggerMessage(1, LogLevel.Information, "Made the {Kind} thumbnail of job {JobId}: {Width}x{Height}, {Bytes} bytes")]
    private static partial void LogMade(ILogger logger, string jobId, ThumbnailKind kind, int width, int height, int bytes);

    [LoggerMessage(2, LogLevel.Warning, "Job {JobId} has no thumbnail: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string jobId, string reason);

    [LoggerMessage(3, LogLevel.Information, "Made the thumbnails of job {JobId} in {Milliseconds} ms")]
    private static partial void LogMadeAll(ILogger logger, string jobId, long milliseconds);
}
