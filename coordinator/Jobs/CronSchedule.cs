using Quartz;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// A recurring job's schedule: a Quartz cron expression in a time zone. Five-field Unix expressions are
/// accepted and turned into Quartz's form (seconds first, <c>?</c> in one of the day fields).
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
            if (!TryFromUnix(fields, out expression, out error)) return false;
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

    private static bool TryFromUnix(string[] f, out string expression, out string error)
    {
        expression = "";
        error = "";
        var (minute, hour, dayOfMonth, month, dayOfWeek) = (f[0], f[1], f[2], f[3], f[4]);
        if (dayOfWeek.Any(char.IsDigit))
        {
            error = "cron: write days of the week by name (MON-FRI) in a five-field cron; Unix and Quartz number them differently";
            return false;
        }

        if (dayOfWeek == "*") dayOfWeek = "?";
        else if (dayOfMonth == "*") dayOfMonth = "?";
        else
        {
            error = "cron: restrict either the day of the month or the day of the week, not both";
            return false;
        }

        expression = $"0 {minute} {hour} {dayOfMonth} {month} {dayOfWeek}";
        return true;
    }
}
