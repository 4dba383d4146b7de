using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Protos.Schedules;

/// <summary>
/// The hours in which an agent may work, per weekday, with the slots of each period: parsed from
/// an agent's <c>Agent:Guest:Hours</c> or an operator's schedule ("Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day") and read in the agent's time zone.
/// A period that runs past midnight belongs to the day it starts (Friday 19:00-08:00 ends Saturday 08:00).
/// </summary>
public sealed partial class WorkHours
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private readonly IReadOnlyList<Period> _periods;

    private sealed record Period(bool[] Days, TimeSpan Start, TimeSpan End, int Slots)
    {
        public bool Overnight => End <= Start;
    }

    /// <summary>Where the agent is in its schedule at one moment.</summary>
    /// <param name="Inside">Within a working period.</param>
    /// <param name="Slots">That period's slots (0 = all of the agent's); 0 outside.</param>
    /// <param name="NextStart">Outside: when the next period starts (null if none within a week).</param>
    public readonly record struct Position(bool Inside, int Slots, DateTimeOffset? NextStart);

    private WorkHours(IReadOnlyList<Period> periods) => _periods = periods;

    /// <summary>Always inside, with all slots: no schedule configured.</summary>
    public static WorkHours Always { get; } = new([]);

    public bool IsAlways => _periods.Count == 0;

    /// <summary>The time zone named by an IANA or Windows id (<c>Europe/Paris</c>), or the machine's when the id is empty.</summary>
    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            zone = TimeZoneInfo.Local;
            return true;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out zone!);
    }

    /// <summary>Parses a schedule, or says which entry is wrong.</summary>
    public static bool TryParse(string? text, out WorkHours hours, out string problem)
    {
        hours = Always;
        problem = "";
        if (string.IsNullOrWhiteSpace(text)) return true;
        var periods = new List<Period>();
        foreach (var entry in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Entry().Match(entry);
            if (!match.Success || !TryDays(match.Groups["days"].Value, out var days))
            {
                problem = $"'{entry}' is not DAYS HH:MM-HH:MM [slots=N] or DAYS all day, e.g. Mon-Fri 19:00-08:00 slots=2";
                return false;
            }

            var start = TimeSpan.Zero;
            var end = TimeSpan.Zero;
            if (match.Groups["from"].Success && !(TryTime(match.Groups["from"].Value, out start) && TryTime(match.Groups["to"].Value, out end)))
            {
                problem = $"'{entry}': hours must be HH:MM, 00:00 to 24:00";
                return false;
            }

            var slots = match.Groups["slots"].Success ? int.Parse(match.Groups["slots"].Value, CultureInfo.InvariantCulture) : 0;
            periods.Add(new Period(days, start, end, slots));
        }

        hours = new WorkHours(periods);
        return true;
    }

    /// <summary>Where <paramref name="now"/> falls in the schedule, in <paramref name="zone"/>.</summary>
    public Position At(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (IsAlways) return new Position(true, 0, null);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        foreach (var period in _periods)
        {
            if (Covers(period, local)) return new Position(true, period.Slots, null);
        }

        return new Position(false, 0, NextStart(now, local, zone));
    }

    private static bool Covers(Period p, DateTime local)
    {
        var today = (int)local.DayOfWeek;
        var yesterday = (today + 6) % 7;
        var t = local.TimeOfDay;
        if (!p.Overnight) return p.Days[today] && t >= p.Start && t < p.End;
        // Overnight (or all day, 00:00-00:00): the evening of a listed day, or the morning after one.
        return (p.Days[today] && t >= p.Start) || (p.Days[yesterday] && t < p.End);
    }

    private DateTimeOffset? NextStart(DateTimeOffset now, DateTime local, TimeZoneInfo zone)
    {
        DateTimeOffset? best = null;
        for (var day = 0; day <= 7; day++)
        {
            var date = local.Date.AddDays(day);
            foreach (var period in _periods.Where(p => p.Days[(int)date.DayOfWeek]))
            {
                var start = date + period.Start;
                if (zone.IsInvalidTime(start)) continue;
                var at = new DateTimeOffset(start, zone.GetUtcOffset(start));
                if (at > now && (best is null || at < best)) best = at;
            }

            if (best is not null) return best;
        }

        return best;
    }

    private static bool TryDays(string text, out bool[] days)
    {
        days = new bool[7];
        var spec = text.Trim().ToLowerInvariant();
        if (spec is "daily" or "every day" or "mon-sun")
        {
            Array.Fill(days, true);
            return true;
        }

        var parts = spec.Split('-', StringSplitOptions.TrimEntries);
        var from = Array.IndexOf(DayNames, parts[0].Length >= 3 ? parts[0][..3] : parts[0]);
        var to = parts.Length == 2 ? Array.IndexOf(DayNames, parts[1].Length >= 3 ? parts[1][..3] : parts[1]) : from;
        if (from < 0 || to < 0 || parts.Length > 2) return false;
        for (var d = from; ; d = (d + 1) % 7)
        {
            days[d] = true;
            if (d == to) break;
        }

        return true;
    }

    private static bool TryTime(string text, out TimeSpan time)
    {
        time = TimeSpan.Zero;
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m > 59 || h > 24 || (h == 24 && m > 0))
        {
            return false;
        }

        // 24:00 as an end is midnight: a period to midnight ends where the next day starts.
        time = h == 24 ? TimeSpan.Zero : new TimeSpan(h, m, 0);
        return true;
    }

    [GeneratedRegex(@"^(?<days>[A-Za-z]+(?:\s*-\s*[A-Za-z]+)?|every day)\s+(?:(?<from>\d{1,2}:\d{2})\s*-\s*(?<to>\d{1,2}:\d{2})|all day)(?:\s+slots\s*=\s*(?<slots>\d{1,2}))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Entry();
}
