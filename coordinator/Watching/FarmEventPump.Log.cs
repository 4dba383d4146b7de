namespace RenderFarm.Coordinator.Watching;

internal static partial class Log
{
    [LoggerMessage(70, LogLevel.Debug, "Farm events start from {Jobs} active job(s)")]
    public static partial void Seeded(ILogger logger, int jobs);

    [LoggerMessage(71, LogLevel.Warning, "Could not build the farm event for {Subject}")]
    public static partial void EventFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(72, LogLevel.Information, "A WatchFarm subscriber fell behind by {Buffer} events and was cut off")]
    public static partial void SubscriberCutOff(ILogger logger, int buffer);
}
