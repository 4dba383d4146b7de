using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl job ID`: the job, its recipe and schedule, its tasks and why they wait, every attempt with its log tail.</summary>
internal static class JobDetailsView
{
    public static IEnumerable<IRenderable> Render(Job job, TimeProvider time)
    {
        var now = time.GetUtcNow();
        yield return Summary(job, time, now);
        foreach (var task in job.Tasks)
        {
            yield return Text.NewLine;
            yield return TaskHeader(task);
            yield return Text.NewLine;
            if (Waiting(task, now, time) is { } waiting)
            {
                yield return new Padder(new Text($"waiting: {waiting}"), new Padding(2, 0, 0, 0));
            }

            if (task.Attempts.Count > 0)
            {
                yield return Attempts(task, time);
            }

            foreach (var attempt in task.Attempts.Where(a => !string.IsNullOrWhiteSpace(a.LogTail)))
            {
                yield return new Markup($"[bold]log tail of attempt {Markup.Escape(attempt.Id)}[/]:");
                yield return Text.NewLine;
                yield return new Padder(new Text(attempt.LogTail.TrimEnd()), new Padding(2, 0, 0, 0));
            }
        }
    }

    private static Grid Summary(Job job, TimeProvider time, DateTimeOffset now)
    {
        var spec = job.Spec ?? new JobSpec();
        var grid = Tables.Properties()
            .Add("id", Format.Escape(job.Id))
            .Add("name", Format.Escape(spec.Name))
            .Add("state", $"{Format.StateMarkup(job.State)} {Format.Percent(job.Percent)}" + (Clock.Left(job.TimeLeft) is { } left ? $", {left}" : "")
                + (job.Pause is { } pause ? $" [yellow]paused by {Format.Escape(pause.PausedBy)}{(pause.Reason.Length > 0 ? ": " + Format.Escape(pause.Reason) : "")} (farmctl job resume {Format.Escape(job.Id)})[/]" : ""))
            .Add("input", spec.InputFromJob.Length > 0 ? $"the output of job {Format.Escape(spec.InputFromJob)}" : Format.Escape(spec.InputPath))
            .Add("output", Format.Escape(spec.OutputPath))
            .Add("settings", Format.Escape(RecipeText.Settings(spec.Output)))
            .Add("priority", spec.Priority.ToString(CultureInfo.InvariantCulture))
            .Add("retries", spec.HasMaxRetries ? spec.MaxRetries.ToString(CultureInfo.InvariantCulture) : "default")
            .Add("overwrite", spec.Overwrite ? "yes" : "no");
        if (spec.RecipeName.Length > 0)
        {
            var batch = spec.BatchId.Length > 0 ? $" (batch {spec.BatchId})" : "";
            grid.Add("recipe", Format.Escape($"{spec.RecipeName} version {spec.RecipeVersion}{batch}"));
        }
        if (job.InputCheck is { } check)
        {
            grid.Add("input check", Format.Escape($"{check.Path}: {check.SizeBytes} bytes, sha256 {check.Sha256}, {check.VideoCodec} {check.Width}x{check.Height}, {check.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s"));
        }

        if (spec.Grade is { } grade)
        {
            grid.Add("grade", Format.Escape(RecipeText.Grade(grade)));
        }

        grid.AddSchedule(job, now, time.LocalTimeZone)
            .Add("created", Format.Time(job.CreateTime, time))
            .Add("started", Format.Time(job.StartTime, time))
            .Add("ended", Format.Time(job.EndTime, time));
        if (!string.IsNullOrWhiteSpace(job.Error))
        {
            grid.Add("error", $"[red]{Format.Escape(job.Error)}[/]");
        }

        if (job.Result is { } result)
        {
            JobResultView.AddResult(grid, result);
        }

        return grid;
    }

    private static string? Waiting(RenderTask task, DateTimeOffset now, TimeProvider time) =>
        task.State is not (TaskState.Waiting or TaskState.Queued) ? null
        : task.WaitReason is { } reason ? WaitReasonText.Describe(reason, now, time.LocalTimeZone)
        : task.NotBeforeTime is { Seconds: > 0 } notBefore ? $"not before {Clock.At(notBefore, now, time.LocalTimeZone)}"
        : null;

    private static Markup TaskHeader(RenderTask task) =>
        new(
            $"[bold]task {Markup.Escape(task.Id)}[/]{Markup.Escape(KindText(task))}: {Format.State(task.State)} {Format.Percent(task.Percent)}, " +
            $"{Format.Number(task.Fps, "0.#")} fps, {Format.Number(task.Speed)}x, " +
            (Clock.Left(task.TimeLeft) is { } left ? $"{left}, " : "") +
            $"{task.FailedAttempts} failed attempt(s)");

    /// <summary>" (chunk 2/5, frames 240-479)" for a chunk, " (probe)" etc. for the other tasks of a chunked job; empty for a whole render.</summary>
    internal static string KindText(RenderTask task) => task.Kind switch
    {
        TaskKind.Chunk when task.Chunk is { } c => string.Create(CultureInfo.InvariantCulture,
            $" (chunk {c.Index + 1}/{c.Count}, frames {c.FirstFrame}-{c.FirstFrame + c.FrameCount - 1}, {c.StartSeconds:0.##}-{c.StartSeconds + c.DurationSeconds:0.##} s)"),
        TaskKind.Probe => " (probe)",
        TaskKind.Audio => " (audio)",
        TaskKind.Stitch => " (stitch)",
        _ => "",
    };

    private static Table Attempts(RenderTask task, TimeProvider time)
    {
        var table = Tables.Create("ATTEMPT", "AGENT", "START", "END", "OUTCOME", "FAILURE", "EXIT", "LOG", "ERROR");
        table.Columns[8].NoWrap = false;
        foreach (var attempt in task.Attempts)
        {
            table.AddRow(
                Format.Escape(attempt.Id),
                Format.Escape(string.IsNullOrEmpty(attempt.AgentName) ? attempt.AgentId : attempt.AgentName),
                Format.Time(attempt.StartTime, time),
                attempt.Outcome == AttemptOutcome.Running && attempt.LeaseExpireTime is { Seconds: > 0 } lease
                    ? $"lease to {Format.Time(lease, time)}"
                    : Format.Time(attempt.EndTime, time),
                Format.Outcome(attempt.Outcome),
                Format.Failure(attempt.FailureClass),
                attempt.Outcome == AttemptOutcome.Failed ? attempt.ExitCode.ToString(CultureInfo.InvariantCulture) : Format.None,
                attempt.LogSizeBytes > 0 ? Format.Bytes(attempt.LogSizeBytes) : Format.None,
                Format.Escape(attempt.Error));
        }

        return table;
    }
}
