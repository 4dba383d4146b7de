using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace RenderFarm.Cli.Output;

/// <summary>Times relative to now, for countdowns and ages: "14:02:10 (in 40s)", "3m 12s ago".</summary>
internal static class Clock
{
    /// <summary>The time of day when it is today in <paramref name="zone"/>, else the date too; then how far it is from now.</summary>
    public static string At(Timestamp timestamp, DateTimeOffset now, TimeZoneInfo zone)
    {
        var at = TimeZoneInfo.ConvertTime(timestamp.ToDateTimeOffset(), zone);
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        var text = at.ToString(at.Date == today ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return $"{text} ({Relative(at - now)})";
    }

    /// <summary>"in 40s" for the future, "40s ago" for the past, "now" within a second.</summary>
    public static string Relative(TimeSpan delta) =>
        delta.Duration() < TimeSpan.FromSeconds(1) ? "now"
        : delta > TimeSpan.Zero ? $"in {Duration(Whole(delta))}"
        : $"{Duration(Whole(delta.Duration()))} ago";

    /// <summary>"1m30s left" for an estimate of time left (rounded up to the second), or null when there is none.</summary>
    public static string? Left(Google.Protobuf.WellKnownTypes.Duration? left) =>
        left is null ? null : $"{Duration(TimeSpan.FromSeconds(Math.Ceiling(left.ToTimeSpan().TotalSeconds)))} left";

    /// <summary>A span in the largest units that read well: 90s → "1m30s", 2h → "2h", 1d6h → "1d6h".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new List<string>();
        if (span.Days > 0)
        {
            parts.Add($"{span.Days}d");
        }

        if (span.Hours > 0)
        {
            parts.Add($"{span.Hours}h");
        }

        if (span.Minutes > 0)
        {
            parts.Add($"{span.Minutes}m");
        }

        if (span.Seconds > 0 || parts.Count == 0)
        {
            parts.Add(span.Milliseconds > 0 && span < TimeSpan.FromMinutes(1)
                ? $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
                : $"{span.Seconds}s");
        }

        return string.Concat(parts);
    }

    private static TimeSpan Whole(TimeSpan span) => TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
}
