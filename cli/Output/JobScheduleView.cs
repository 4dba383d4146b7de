using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>The `farmctl job` rows about when a job runs: start time, recurrence, dependencies, parent, time limits.</summary>
internal static class JobScheduleView
{
    public static Grid AddSchedule(this Grid grid, Job job, DateTimeOffset now, TimeZoneInfo zone)
    {
        var spec = job.Spec ?? new JobSpec();
        if (spec.StartTime is { } start && (start.Seconds != 0 || start.Nanos != 0))
        {
            grid.Add("start at", Markup.Escape(Clock.At(start, now, zone)));
        }

        if (job.Recurrence is { } recurrence)
        {
            grid.Add("recurrence", Markup.Escape(Cron(recurrence.Cron, recurrence.TimeZone)))
                .Add("next run", job.State is JobState.Canceled or JobState.Failed or JobState.Succeeded ? $"none (the schedule is {Format.State(job.State)})"
                    : recurrence.NextRunTime is { } next ? Markup.Escape(Clock.At(next, now, zone)) : Format.None)
                .Add("runs", Markup.Escape(Runs(recurrence)));
        }
        else if (spec.Cron.Length > 0)
        {
            grid.Add("recurrence", Markup.Escape(Cron(spec.Cron, spec.TimeZone)));
        }

        if (job.RecurringJobId.Length > 0)
        {
            grid.Add("run of", Markup.Escape($"recurring job {job.RecurringJobId}"));
        }

        if (spec.DependsOn.Count > 0)
        {
            grid.Add("depends on", Markup.Escape(string.Join(", ", spec.DependsOn)));
        }

        if (spec.MaxRunTime is { } maxRunTime && maxRunTime.ToTimeSpan() > TimeSpan.Zero)
        {
            grid.Add("max run time", Clock.Duration(maxRunTime.ToTimeSpan()));
        }

        if (spec.StallTimeout is { } stallTimeout && stallTimeout.ToTimeSpan() > TimeSpan.Zero)
        {
            grid.Add("stall timeout", Clock.Duration(stallTimeout.ToTimeSpan()));
        }

        return grid;
    }

    private static string Cron(string cron, string timeZone) =>
        $"cron \"{cron}\" in {(timeZone.Length > 0 ? timeZone : "UTC")}";

    private static string Runs(Recurrence recurrence) =>
        recurrence.LastRunJobId.Length > 0
            ? $"{recurrence.RunCount.ToString(CultureInfo.InvariantCulture)} (last: job {recurrence.LastRunJobId})"
            : recurrence.RunCount.ToString(CultureInfo.InvariantCulture);
}
