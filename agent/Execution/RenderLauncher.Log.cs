namespace RenderFarm.Agent.Execution;

internal static partial class Log
{
    [LoggerMessage(60, LogLevel.Warning, "Renders start ffmpeg directly: this system lacks /proc, /bin/sh or setsid, so a render may outlive a killed agent and Ctrl-C reaches it")]
    public static partial void Unsupervised(ILogger logger);

    [LoggerMessage(61, LogLevel.Warning, "Stopped {Count} render(s) an earlier run of this agent left behind (process groups {Groups})")]
    public static partial void StraysStopped(ILogger logger, int count, string groups);
}
