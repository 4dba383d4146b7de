using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

public sealed partial class RenderPipeline
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Attempt {AttemptId}: rendering {Input} -> {Output}: ffmpeg {Arguments}")]
        public static partial void Rendering(ILogger logger, string attemptId, string input, string output, string arguments);

        [LoggerMessage(2, LogLevel.Information, "Attempt {AttemptId}: published {Output} ({Frames} frames, {Bytes} bytes) in {Seconds:0.0} s")]
        public static partial void Published(ILogger logger, string attemptId, string output, ulong frames, ulong bytes, double seconds);

        [LoggerMessage(3, LogLevel.Warning, "Attempt {AttemptId} failed ({FailureClass}): {Message}")]
        public static partial void Failed(ILogger logger, string attemptId, FailureClass failureClass, string message);

        [LoggerMessage(4, LogLevel.Information, "Attempt {AttemptId} canceled; nothing published")]
        public static partial void Canceled(ILogger logger, string attemptId);

        [LoggerMessage(5, LogLevel.Warning, "Attempt {AttemptId}: could not remove scratch folder {Folder}")]
        public static partial void ScratchLeft(ILogger logger, Exception exception, string attemptId, string folder);
    }
}
