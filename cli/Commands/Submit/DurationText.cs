using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>Reads spans written the way people write them: 90s, 5m, 2h, 1h30m, 1d12h.</summary>
internal static partial class DurationText
{
    public const string Examples = "90s, 5m, 2h or 1h30m";

    /// <summary>A positive span of whole days, hours, minutes and seconds, largest unit first.</summary>
    public static bool TryParse(string? text, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        var match = Shape().Match(text?.Trim() ?? "");
        if (!match.Success)
        {
            return false;
        }

        try
        {
            span = TimeSpan.FromDays(Part(match, "d")) + TimeSpan.FromHours(Part(match, "h")) +
                   TimeSpan.FromMinutes(Part(match, "m")) + TimeSpan.FromSeconds(Part(match, "s"));
        }
        catch (OverflowException)
        {
            return false;
        }

        return span > TimeSpan.Zero;
    }

    private static long Part(Match match, string unit) =>
        match.Groups[unit].Success ? long.Parse(match.Groups[unit].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^(?=\d)(?:(?<d>\d{1,5})d)?(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,7})m)?(?:(?<s>\d{1,9})s)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Shape();
}
