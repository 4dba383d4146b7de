using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>Checks a --fps value: a positive number ("25", "29.97") or ratio ("30000/1001").</summary>
internal static partial class FrameRate
{
    public static bool IsValid(string text)
    {
        var match = Shape().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var numerator = decimal.Parse(match.Groups["num"].Value, CultureInfo.InvariantCulture);
        var denominator = match.Groups["den"].Success
            ? decimal.Parse(match.Groups["den"].Value, CultureInfo.InvariantCulture)
            : 1;
        return numerator > 0 && denominator > 0;
    }

    [GeneratedRegex(@"^(?<num>\d{1,9}(?:\.\d{1,6})?)(?:/(?<den>\d{1,9}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
