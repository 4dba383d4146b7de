namespace RenderFarm.Coordinator.WatchFolders;

public sealed partial class WatchFolderScanner
{
    [LoggerMessage(70, LogLevel.Warning, "Watch folder {Folder} cannot be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string folder, string error);

    [LoggerMessage(71, LogLevel.Warning, "Watch folder {Folder}: {Path} is not taken: {Problem}")]
    private static partial void LogRefused(ILogger logger, string folder, string path, string problem);

    [LoggerMessage(72, LogLevel.Information, "Watch folder {Folder}: {Count} files became jobs")]
    private static partial void LogSubmitted(ILogger logger, string folder, int count);

    [LoggerMessage(73, LogLevel.Information, "Watch folder {Folder}: files changed while they were submitted; the next scan takes them ({Reason})")]
    private static partial void LogRaced(ILogger logger, string folder, string reason);
}
