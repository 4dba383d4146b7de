namespace RenderFarm.Agent.Media;

public static partial class MediaProbe
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Probe of {Name}: read in process (MP4/MOV movie box), no ffprobe")]
        public static partial void InProcess(ILogger logger, string name);

        [LoggerMessage(2, LogLevel.Debug, "Probe of {Name}: ffprobe, because the in-process reader found {Reason}")]
        public static partial void Ffprobe(ILogger logger, string name, string reason);
    }
}
