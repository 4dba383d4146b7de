namespace RenderFarm.Coordinator.Media;

/// <summary>
/// At start, names every media root that cannot be opened (a missing folder, a kernel without openat2) with its
/// path and why. The coordinator still starts: jobs on the other roots run, and a job naming such a root is refused
/// at submission with the same reason until the folder is there (it is opened again on use).
/// </summary>
public sealed partial class MediaRootsReport(MediaRoots roots, ILogger<MediaRootsReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, _, error) in roots.Unavailable) LogUnavailable(logger, error);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Error, "{Error}; jobs naming it are refused until it can be opened")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
