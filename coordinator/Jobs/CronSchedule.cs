using Quartz;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// A recurring job's schedule: a Quartz cron expression in a time zone. Standard five-field cron is accepted and turned
/// into Quartz's form (<see cref="UnixCron"/>). Quartz's trigger keeps wall-clock times across DST changes: a time the
/// spring change skips fires once when the clocks jump (02:30 fires at 03:00), a time the autumn change repeats fires once.
/// </summary>
public sealed record CronSchedule(string Expression, TimeZoneInfo TimeZone)
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    public string TimeZoneId => TimeZone.Id;

    public DateTimeOffset? NextAfter(DateTimeOffset time) =>
        new CronExpression(Expression, TimeZone).GetNextValidTimeAfter(time);

    /// <summary>Parses an expression; on failure says why in words a person can act on.</summary>
    public static bool TryParse(string text, string timeZoneId, DateTimeOffset now, out CronSchedule? schedule, out string error)
    {
        schedule = null;
        error = "";
        TimeZoneInfo zone;
        try
        {
            zone = timeZoneId.Length == 0 ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"time_zone: '{timeZoneId}' is not a known IANA time zone (e.g. Europe/Paris, America/New_York, UTC)";
            return false;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string expression;
        if (fields.Length == 5)
        {
            if (!UnixCron.TryToQuartz(fields, out expression, out error)) return false;
        }
        else if (fields.Length is 6 or 7)
        {
            expression = string.Join(' ', fields);
        }
        else
        {
            error = $"cron: '{text}' has {fields.Length} fields; write five (Unix: \"30 2 * * *\") or six/seven (Quartz: \"0 30 2 * * ?\")";
            return false;
        }

        if (!CronExpression.TryParse(expression, out _))
        {
            error = $"cron: '{text}' is not a valid cron expression (Quartz syntax: sec min hour day-of-month month day-of-week [year], with '?' in one day field)";
            return false;
        }

        var candidate = new CronSchedule(expression, zone);
        var first = candidate.NextAfter(now);
        if (first is null)
        {
            error = $"cron: '{text}' never fires after {now:u}";
            return false;
        }

        if (candidate.NextAfter(first.Value) is { } second && second - first.Value < MinInterval)
        {
            error = $"cron: '{text}' fires more often than once a minute";
            return false;
        }

        schedule = candidate;
        return true;
    }
}
