using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Watching;

/// <summary>A job's progress rolled up for one line: percent, throughput of its running tasks, state.</summary>
internal readonly record struct JobProgress(JobState State, double Percent, double Fps, double Speed, string? Left = null)
{
    /// <summary>Chunks of one job run in parallel, so the job's fps and speed are the sums over its running tasks.</summary>
    public static JobProgress Of(Job job)
    {
        var running = job.Tasks.Where(t => t.State == TaskState.Running).ToList();
        return new JobProgress(job.State, Math.Clamp(job.Percent, 0, 100), running.Sum(t => t.Fps), running.Sum(t => t.Speed), Clock.Left(job.TimeLeft));
    }

    public string Describe() =>
        (Fps > 0 || Speed > 0
            ? $"{Format.State(State)} · {Format.Number(Fps, "0.#")} fps · {Format.Number(Speed)}x"
            : Format.State(State))
        + (Left is null ? "" : $" · {Left}");
}
