using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>A render failed; <see cref="FailureClass"/> tells the coordinator whether a retry can help.</summary>
public sealed class RenderFailedException : Exception
{
    public RenderFailedException(FailureClass failureClass, string message, int exitCode = 0, string logTail = "", Exception? inner = null)
        : base(message, inner)
    {
        FailureClass = failureClass;
        ExitCode = exitCode;
        LogTail = logTail;
    }

    /// <summary>BadInput (fix the job), Transient (retry), Unsupported (another agent may manage).</summary>
    public FailureClass FailureClass { get; }

    /// <summary>ffmpeg's exit code, 0 when ffmpeg did not run or succeeded.</summary>
    public int ExitCode { get; }

    /// <summary>The last lines of ffmpeg's log, empty when ffmpeg did not run.</summary>
    public string LogTail { get; }

    /// <summary>For a stitch: the chunks (0-based indices) found damaged, which must be rendered again. Usually empty.</summary>
    public IReadOnlyList<uint> DamagedChunks { get; init; } = [];
}
