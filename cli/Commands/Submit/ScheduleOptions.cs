using System.CommandLine;
using System.CommandLine.Parsing;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>When a submitted job runs: start time, recurrence, dependencies and its attempt time limits.</summary>
internal sealed class ScheduleOptions
{
    public Option<string?> StartAt { get; } = new("--start-at")
    {
        Description = $"Run no earlier than this: an ISO-8601 time (local unless it has an offset) or a span from now, e.g. {StartTimeText.Examples}.",
        HelpName = "TIME",
    };

    public Option<string?> Cron { get; } = new("--cron")
    {
        Description = "Make it a recurring job: a cron expression, Quartz (\"0 30 2 * * ?\") or Unix (\"30 2 * * *\"). " +
                      "Each firing submits a new job; OUTPUT must contain {time} or --overwrite be given.",
        HelpName = "EXPR",
    };

    public Option<string?> TimeZone { get; } = new("--time-zone")
    {
        Description = "IANA time zone the --cron expression is read in, e.g. Europe/Paris (default UTC).",
        HelpName = "TZ",
    };

    public Option<string[]> DependsOn { get; } = new("--depends-on")
    {
        Description = "A job that must succeed before this one starts; repeat for several.",
        HelpName = "JOB",
    };

    public Option<string?> MaxRunTime { get; } = new("--max-run-time")
    {
        Description = $"Stop and retry an attempt that runs longer than this, e.g. {DurationText.Examples} (default: the coordinator's).",
        HelpName = "SPAN",
    };

    public Option<string?> StallTimeout { get; } = new("--stall-timeout")
    {
        Description = $"Stop and retry an attempt that reports no progress for this long, e.g. {DurationText.Examples} (default: the coordinator's).",
        HelpName = "SPAN",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { StartAt, Cron, TimeZone, DependsOn, MaxRunTime, StallTimeout })
        {
            command.Options.Add(option);
        }

        StartAt.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !StartTimeText.TryParse(text, out _))
            {
                result.AddError($"--start-at '{text}' is not a time: give an ISO-8601 time or a span from now, e.g. {StartTimeText.Examples}.");
            }
        });
        Cron.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is not (5 or 6 or 7))
            {
                result.AddError($"--cron '{text}' is not a cron expression: give 5 fields (Unix, \"30 2 * * *\") or 6-7 fields (Quartz, \"0 30 2 * * ?\"), quoted.");
            }
        });
        TimeZone.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(text, out _))
            {
                result.AddError($"--time-zone '{text}' is not a known IANA time zone, e.g. UTC, Europe/Paris or America/Los_Angeles.");
            }
        });
        DependsOn.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string[]>()?.Any(string.IsNullOrWhiteSpace) == true)
            {
                result.AddError("--depends-on needs a job id.");
            }
        });
        MaxRunTime.Validators.Add(result => ValidateSpan(result, "--max-run-time"));
        StallTimeout.Validators.Add(result => ValidateSpan(result, "--stall-timeout"));
        command.Validators.Add(result =>
        {
            if (result.GetValue(TimeZone) is not null && result.GetValue(Cron) is null)
            {
                result.AddError("--time-zone only applies to --cron: give both, or neither.");
            }
        });
    }

    /// <summary>Sets the schedule fields that were given; a relative --start-at counts from <paramref name="time"/>'s now.</summary>
    public void ApplyTo(JobSpec spec, ParseResult result, TimeProvider time)
    {
        if (result.GetValue(StartAt) is { } startAt && StartTimeText.TryParse(startAt, out var start))
        {
            spec.StartTime = Timestamp.FromDateTimeOffset(start.Resolve(time));
        }

        spec.Cron = result.GetValue(Cron)?.Trim() ?? "";
        spec.TimeZone = result.GetValue(TimeZone) ?? "";
        spec.DependsOn.AddRange((result.GetValue(DependsOn) ?? []).Select(id => id.Trim()).Distinct(StringComparer.Ordinal));
        if (result.GetValue(MaxRunTime) is { } maxRunTime && DurationText.TryParse(maxRunTime, out var maxRun))
        {
            spec.MaxRunTime = Duration.FromTimeSpan(maxRun);
        }

        if (result.GetValue(StallTimeout) is { } stallTimeout && DurationText.TryParse(stallTimeout, out var stall))
        {
            spec.StallTimeout = Duration.FromTimeSpan(stall);
        }
    }

    private static void ValidateSpan(OptionResult result, string name)
    {
        var text = result.GetValueOrDefault<string?>();
        if (text is not null && !DurationText.TryParse(text, out _))
        {
            result.AddError($"{name} '{text}' is not a duration: use e.g. {DurationText.Examples}.");
        }
    }
}
