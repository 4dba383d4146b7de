using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl job ID`: the job, its recipe, its tasks and every attempt with its log tail.</summary>
internal static class JobDetailsView
{
    public static IEnumerable<IRenderable> Render(Job job, TimeProvider time)
    {
        yield return Summary(job, time);
        foreach (var task in job.Tasks)
        {
            yield return Text.NewLine;
            yield return TaskHeader(task, time);
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

    private static Grid Summary(Job job, TimeProvider time)
    {
        var spec = job.Spec ?? new JobSpec();
        var grid = Tables.Properties()
            .Add("id", Format.Escape(job.Id))
            .Add("name", Format.Escape(spec.Name))
            .Add("state", $"{Format.StateMarkup(job.State)} {Format.Percent(job.Percent)}")
            .Add("input", Format.Escape(spec.InputPath))
            .Add("output", Format.Escape(spec.OutputPath))
            .Add("settings", Format.Escape(Settings(spec.Output)))
            .Add("priority", spec.Priority.ToString(CultureInfo.InvariantCulture))
            .Add("retries", spec.HasMaxRetries ? spec.MaxRetries.ToString(CultureInfo.InvariantCulture) : "default")
            .Add("overwrite", spec.Overwrite ? "yes" : "no");
        if (spec.Grade is { } grade)
        {
            grid.Add("grade", Format.Escape(Grade(grade)));
        }

        grid.Add("created", Format.Time(job.CreateTime, time))
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

    private static Markup TaskHeader(RenderTask task, TimeProvider time)
    {
        var waiting = task.State == TaskState.Waiting && task.NotBeforeTime is not null
            ? $", not before {Format.Time(task.NotBeforeTime, time)}"
            : "";
        return new Markup(
            $"[bold]task {Markup.Escape(task.Id)}[/]: {Format.State(task.State)} {Format.Percent(task.Percent)}, " +
            $"{Format.Number(task.Fps, "0.#")} fps, {Format.Number(task.Speed)}x, " +
            $"{task.FailedAttempts} failed attempt(s){Markup.Escape(waiting)}");
    }

    private static Table Attempts(RenderTask task, TimeProvider time)
    {
        var table = Tables.Create("ATTEMPT", "AGENT", "START", "END", "OUTCOME", "FAILURE", "EXIT", "ERROR");
        table.Columns[7].NoWrap = false;
        foreach (var attempt in task.Attempts)
        {
            table.AddRow(
                Format.Escape(attempt.Id),
                Format.Escape(string.IsNullOrEmpty(attempt.AgentName) ? attempt.AgentId : attempt.AgentName),
                Format.Time(attempt.StartTime, time),
                Format.Time(attempt.EndTime, time),
                Format.Outcome(attempt.Outcome),
                Format.Failure(attempt.FailureClass),
                attempt.Outcome == AttemptOutcome.Failed ? attempt.ExitCode.ToString(CultureInfo.InvariantCulture) : Format.None,
                Format.Escape(attempt.Error));
        }

        return table;
    }

    private static string Settings(OutputSettings? output)
    {
        if (output is null)
        {
            return Format.None;
        }

        var parts = new List<string> { Format.Preset(output.Preset) };
        if (output.MaxWidth > 0 || output.MaxHeight > 0)
        {
            parts.Add($"fit {output.MaxWidth}x{output.MaxHeight}");
        }

        parts.Add(output.FrameRateMode switch
        {
            FrameRateMode.Keep => "keep timing",
            FrameRateMode.Constant => $"{(output.FrameRate.Length > 0 ? output.FrameRate : "source")} fps constant",
            _ => "preset timing",
        });
        if (output.AudioCodec != AudioCodec.Unspecified)
        {
            parts.Add($"audio {output.AudioCodec.ToString().ToLowerInvariant()}");
        }

        if (output.Crf > 0)
        {
            parts.Add($"crf {output.Crf}");
        }

        if (output.BitDepth > 0)
        {
            parts.Add($"{output.BitDepth}-bit");
        }

        if (output.HdrMode != HdrMode.Unspecified)
        {
            parts.Add(output.HdrMode == HdrMode.Keep ? "keep hdr" : "tone-map to sdr");
        }

        return string.Join(", ", parts);
    }

    private static string Grade(Grade grade)
    {
        var parts = new List<string>();
        if (grade.LutPath.Length > 0)
        {
            parts.Add($"lut {grade.LutPath}");
        }

        if (grade.HasExposure)
        {
            parts.Add($"exposure {Format.Number(grade.Exposure)} EV");
        }

        if (grade.HasContrast)
        {
            parts.Add($"contrast {Format.Number(grade.Contrast)}");
        }

        if (grade.HasSaturation)
        {
            parts.Add($"saturation {Format.Number(grade.Saturation)}");
        }

        if (grade.HasTemperature)
        {
            parts.Add($"temperature {Format.Number(grade.Temperature, "0")} K");
        }

        return string.Join(", ", parts);
    }
}
