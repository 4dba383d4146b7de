using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>Checks the timing fields of a job spec: start time, cron, dependencies and limits.</summary>
internal static class JobTimingValidator
{
    public const int MaxDependencies = 20;
    public const string TimeToken = "{time}";
    public static readonly TimeSpan MaxStartAhead = TimeSpan.FromDays(366);
    public static readonly TimeSpan MinRunTime = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxRunTime = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinStall = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxStall = TimeSpan.FromDays(1);

    public static JobTiming Validate(JobSpec spec, CoordinatorOptions options, DateTimeOffset now, List<string> problems)
    {
        DateTimeOffset? start = null;
        if (spec.StartTime is { } startTime)
        {
            if (ProtoTime.TimestampProblem("spec.start_time", startTime) is { } malformed) problems.Add(malformed);
            else if (!TryTime(startTime, out var at)) problems.Add($"spec.start_time: {startTime.ToDateTimeOffset():u} is before 1970; leave start_time out to run now");
            else if (at > now + MaxStartAhead) problems.Add($"spec.start_time: {at:u} is more than a year ahead");
            else start = at;
        }

        CronSchedule? cron = null;
        if (spec.Cron.Length > 0)
        {
            if (!CronSchedule.TryParse(spec.Cron, spec.TimeZone, now, out cron, out var error)) problems.Add($"spec.{error}");
            if (spec.StartTime is not null) problems.Add("spec.start_time: set either start_time or cron, not both");
            if (spec.DependsOn.Count > 0) problems.Add("spec.depends_on: a recurring job cannot depend on other jobs");
            if (!spec.OutputPath.Contains(TimeToken, StringComparison.Ordinal) && !spec.Overwrite)
            {
                problems.Add($"spec.output_path: a recurring job writes once per run; put {TimeToken} in the file name or set overwrite");
            }
        }
        else if (spec.TimeZone.Length > 0)
        {
            problems.Add("spec.time_zone: only applies to a cron schedule");
        }
        else if (spec.OutputPath.Contains(TimeToken, StringComparison.Ordinal))
        {
            problems.Add($"spec.output_path: {TimeToken} is only replaced in recurring (cron) jobs");
        }

        if (spec.DependsOn.Count > MaxDependencies) problems.Add($"spec.depends_on: more than {MaxDependencies} jobs");
        for (var i = 0; i < spec.DependsOn.Count; i++)
        {
            var id = spec.DependsOn[i];
            if (string.IsNullOrWhiteSpace(id) || id.Length > 100 || id.Any(char.IsControl)) problems.Add($"spec.depends_on[{i}]: is not a job id");
        }

        if (spec.DependsOn.Distinct(StringComparer.Ordinal).Count() != spec.DependsOn.Count) problems.Add("spec.depends_on: lists a job twice");

        var maxRun = Limit("spec.max_run_time", spec.MaxRunTime, options.DefaultMaxRunTime, MinRunTime, MaxRunTime, problems);
        var stall = Limit("spec.stall_timeout", spec.StallTimeout, options.DefaultStallTimeout, MinStall, MaxStall, problems);
        return new JobTiming(start, cron, spec.DependsOn.ToList(), new TaskLimits(maxRun, stall));
    }

    private static TimeSpan Limit(string field, Duration? value, TimeSpan fallback, TimeSpan min, TimeSpan max, List<string> problems)
    {
        if (value is null || (value.Seconds == 0 && value.Nanos == 0)) return fallback;
        if (ProtoTime.DurationProblem(field, value) is { } malformed)
        {
            problems.Add(malformed);
            return fallback;
        }

        if (value.Seconds < 0 || value.Nanos < 0 || value.Seconds > (long)max.TotalSeconds || value.Nanos > 999_999_999)
        {
            problems.Add($"{field}: must be between {Words(min)} and {Words(max)}");
            return fallback;
        }

        var span = value.ToTimeSpan();
        if (span < min || span > max)
        {
            problems.Add($"{field}: {Words(span)} is outside {Words(min)}..{Words(max)}");
            return fallback;
        }

        return span;
    }

    private static bool TryTime(Timestamp timestamp, out DateTimeOffset time)
    {
        time = default;
        if (timestamp.Nanos is < 0 or > 999_999_999 || timestamp.Seconds < 0 || timestamp.Seconds > 253402300799) return false;
        time = timestamp.ToDateTimeOffset();
        return true;
    }

    private static string Words(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? $"{span.TotalDays:0} d"
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0} h"
        : span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0 ? $"{span.TotalMinutes:0} min"
        : $"{span.TotalSeconds:0.#} s";
}
