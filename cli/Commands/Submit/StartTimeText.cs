using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>
/// A --start-at value: an ISO-8601 time ("2025-11-24T22:00", "2025-11-24 22:00:00+01:00", "...Z") or a
/// span from now ("+10m", "+1h30m"). A time without an offset is read in the viewer's time zone.
/// </summary>
internal sealed partial record StartTimeText(DateTimeOffset? At, DateTime? Local, TimeSpan? FromNow)
{
    public const string Examples = "2025-11-24T22:00, 2025-11-24T22:00:00Z or +10m";

    public static bool TryParse(string? text, [NotNullWhen(true)] out StartTimeText? value)
    {
        value = null;
        text = text?.Trim() ?? "";
        if (text.StartsWith('+'))
        {
            if (DurationText.TryParse(text[1..], out var span))
            {
                value = new StartTimeText(null, null, span);
            }

            return value is not null;
        }

        var match = Iso().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var normalized = text.Replace(' ', 'T');
        if (match.Groups["zone"].Success)
        {
            if (DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                value = new StartTimeText(at, null, null);
            }
        }
        else if (DateTime.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            value = new StartTimeText(null, DateTime.SpecifyKind(local, DateTimeKind.Unspecified), null);
        }

        return value is not null;
    }

    /// <summary>The instant meant, with "now" and the local zone taken from <paramref name="time"/>.</summary>
    public DateTimeOffset Resolve(TimeProvider time)
    {
        if (At is { } at)
        {
            return at;
        }

        if (FromNow is { } span)
        {
            return time.GetUtcNow() + span;
        }

        var local = Local!.Value;
        return new DateTimeOffset(local, time.LocalTimeZone.GetUtcOffset(local));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)?(?<zone>Z|[+-]\d{2}:?\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso();
}
