using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>How farmctl spells values for people: lower-case states, preset names, local times, sizes.</summary>
internal static class Format
{
    public const string None = "-";

    public static string State(JobState state) => state.ToString().ToLowerInvariant();

    public static string State(TaskState state) => state.ToString().ToLowerInvariant();

    public static string State(AgentState state) => state.ToString().ToLowerInvariant();

    public static string Outcome(AttemptOutcome outcome) =>
        outcome == AttemptOutcome.Unspecified ? None : outcome.ToString().ToLowerInvariant();

    public static string Failure(FailureClass failure) => failure switch
    {
        FailureClass.Unspecified => None,
        FailureClass.BadInput => "bad-input",
        FailureClass.LeaseExpired => "lease-expired",
        _ => failure.ToString().ToLowerInvariant(),
    };

    /// <summary>The state as markup, coloured on terminals that have colour.</summary>
    public static string StateMarkup(JobState state) => state switch
    {
        JobState.Succeeded => "[green]succeeded[/]",
        JobState.Failed => "[red]failed[/]",
        JobState.Canceled => "[yellow]canceled[/]",
        JobState.Running => "[blue]running[/]",
        _ => State(state),
    };

    public static string Preset(Preset preset) =>
        PresetCatalog.TryGet(preset, out var info) ? info.Name : None;

    /// <summary>"1 job", "2 jobs": a count with its noun, singular for one.</summary>
    public static string Count(long count, string noun) => $"{count} {(count == 1 ? noun : noun + "s")}";

    public static string Percent(double percent) => $"{percent.ToString("0.0", CultureInfo.InvariantCulture)}%";

    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A timestamp in the viewer's time zone to the minute, for tables.</summary>
    public static string ShortTime(Timestamp? timestamp, TimeProvider time) => Time(timestamp, time) is var text && text.Length > 16 ? text[..16] : text;

    /// <summary>A timestamp in the viewer's time zone, or "-" when unset.</summary>
    public static string Time(Timestamp? timestamp, TimeProvider time) =>
        timestamp is null || (timestamp.Seconds == 0 && timestamp.Nanos == 0)
            ? None
            : TimeZoneInfo.ConvertTime(timestamp.ToDateTimeOffset(), time.LocalTimeZone)
                .ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Span(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m {span.Seconds}s"
        : $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s";

    public static string Seconds(double seconds) =>
        TimeSpan.FromSeconds(seconds).ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);

    public static string Bytes(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    public static string FileName(string path) =>
        string.IsNullOrEmpty(path) ? None : Path.GetFileName(path.TrimEnd('/', '\\')) is { Length: > 0 } name ? name : path;

    public static string OrNone(string? text) => string.IsNullOrWhiteSpace(text) ? None : text;

    /// <summary>Escapes text from the coordinator or the user before it goes into Spectre markup.</summary>
    public static string Escape(string? text) => Markup.Escape(OrNone(text));
}
