using System.Globalization;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Standard five-field cron (minute hour day-of-month month day-of-week) turned into Quartz's form, which Quartz's cron
/// trigger runs in the job's time zone. The day of the week is the field that differs: cron numbers Sunday 0 (or 7) and
/// Monday 1, Quartz numbers Sunday 1, so the field is read by cron's rules (numbers, names, lists, ranges, steps) and
/// written as Quartz day names (<c>1-5</c> becomes <c>MON,TUE,WED,THU,FRI</c>). Quartz needs <c>?</c> in one day field;
/// cron's "either day field" rule when both are restricted has no Quartz form and is refused with what to do instead.
/// </summary>
public static class UnixCron
{
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    public static bool TryToQuartz(string[] fields, out string expression, out string error)
    {
        expression = "";
        var (minute, hour, dayOfMonth, month, dayOfWeek) = (fields[0], fields[1], fields[2], fields[3].ToUpperInvariant(), fields[4]);
        if (!TryDays(dayOfWeek, out var days, out error)) return false;

        var everyDay = days.Count == 7;
        if (everyDay) dayOfWeek = "?";
        else if (dayOfMonth == "*") (dayOfMonth, dayOfWeek) = ("?", string.Join(',', days.Order().Select(d => DayNames[d])));
        else
        {
            error = $"cron: '{string.Join(' ', fields)}' restricts both the day of the month and the day of the week (cron runs on either); " +
                "keep one, or submit one recurring job for each";
            return false;
        }

        expression = $"0 {minute} {hour} {dayOfMonth} {month} {dayOfWeek}";
        return true;
    }

    /// <summary>The days a cron day-of-week field names, Sunday 0 to Saturday 6.</summary>
    private static bool TryDays(string field, out HashSet<int> days, out string error)
    {
        days = [];
        error = "";
        foreach (var item in field.Split(','))
        {
            var (range, step) = item.Split('/') switch
            {
                [var r] => (r, "1"),
                [var r, var s] => (r, s),
                _ => ("", ""),
            };
            if (!int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var by) || by < 1)
            {
                error = $"cron: day of the week '{item}': the step after '/' must be a whole number of at least 1";
                return false;
            }

            int from, to;
            if (range == "*") (from, to) = (0, 6);
            else if (range.Split('-') is [var a, var b] && Day(a) is { } start && Day(b) is { } end) (from, to) = (start, end == 0 && start > 0 ? 7 : end);
            else if (Day(range) is { } single) (from, to) = (single, item.Contains('/') ? 6 : single);
            else
            {
                error = $"cron: day of the week '{item}' is not a day: use 0-7 (0 and 7 are Sunday), SUN-SAT, lists (1,3), ranges (1-5) and steps (*/2)";
                return false;
            }

            if (from > to)
            {
                error = $"cron: day of the week '{item}' runs backwards; write it as two ranges (e.g. FRI-SAT,SUN-MON)";
                return false;
            }

            for (var d = from; d <= to; d += by) days.Add(d % 7);
        }

        return true;
    }

    private static int? Day(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n is >= 0 and <= 7 ? n : null;
        var index = Array.FindIndex(DayNames, d => string.Equals(d, text, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : null;
    }
}
