using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Watching;

/// <summary>When a job is over, and the exit code its end state means.</summary>
internal static class JobOutcome
{
    public static bool IsFinished(JobState state) =>
        state is JobState.Succeeded or JobState.Failed or JobState.Canceled;

    public static int ExitCode(JobState state) => state switch
    {
        JobState.Succeeded => ExitCodes.Success,
        JobState.Failed => ExitCodes.JobFailed,
        JobState.Canceled => ExitCodes.JobCanceled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "The job has not finished."),
    };
}
