using RenderFarm.Cli.Output;
using RenderFarm.Cli.Watching;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Top;

/// <summary>The active jobs of `farmctl top`: running first, then queued and waiting with why they wait.</summary>
internal static class TopJobsTable
{
    public static IRenderable Render(IEnumerable<Job> jobs, DateTimeOffset now, TimeZoneInfo zone, int maxRows)
    {
        var ordered = jobs
            .OrderBy(j => j.State switch { JobState.Running => 0, JobState.Queued => 1, _ => 2 })
            .ThenByDescending(j => j.Spec?.Priority ?? 0)
            .ThenBy(j => j.CreateTime?.ToDateTimeOffset())
            .ThenBy(j => j.Id, StringComparer.Ordinal)
            .ToList();
        var table = Tables.Create("JOB", "NAME", "STATE", "PROGRESS", "INFO");
        table.Columns[1].NoWrap = false;
        table.Columns[4].NoWrap = false;
        foreach (var job in ordered.Take(maxRows))
        {
            table.AddRow(
                new Text(job.Id),
                new Text(TopView.Label(job)),
                new Markup(Format.StateMarkup(job.State)),
                new PercentBar(job.Percent),
                new Text(Info(job, now, zone)));
        }

        return ordered.Count <= maxRows
            ? table
            : new Rows(table, new Text($"... and {ordered.Count - maxRows} more active job(s) (farmctl jobs)"));
    }

    private static string Info(Job job, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (job.Recurrence is { } recurrence)
        {
            return recurrence.NextRunTime is { } next ? $"recurring, next run {Clock.At(next, now, zone)}" : "recurring";
        }

        if (job.State == JobState.Running)
        {
            var running = job.Tasks.Count(t => t.State == TaskState.Running);
            var progress = JobProgress.Of(job);
            return $"{Format.Number(progress.Fps, "0.#")} fps · {Format.Number(progress.Speed)}x · {running}/{job.Tasks.Count} task(s) running"
                + (progress.Left is { } left ? $" · {left}" : "");
        }

        return WaitReasonText.ForJob(job, now, zone) ?? Format.None;
    }
}
