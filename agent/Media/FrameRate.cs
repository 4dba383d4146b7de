using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Agent.Media;

/// <summary>A frame rate as an exact ratio, parsed from <c>25</c>, <c>29.97</c> or <c>30000/1001</c>.</summary>
public readonly partial record struct FrameRate(long Numerator, long Denominator)
{
    /// <summary>Highest rate the farm renders.</summary>
    public const double Max = 1000;

    private static readonly FrameRate[] Standard =
    [
        new(24000, 1001), new(24, 1), new(25, 1), new(30000, 1001), new(30, 1), new(48, 1), new(50, 1),
        new(60000, 1001), new(60, 1), new(100, 1), new(120000, 1001), new(120, 1),
    ];

    /// <summary>The rates an editing timeline offers, which a variable-rate source is snapped to.</summary>
    private static readonly FrameRate[] Timeline =
    [
        new(24000, 1001), new(24, 1), new(25, 1), new(30000, 1001), new(30, 1), new(48, 1), new(50, 1),
        new(60000, 1001), new(60, 1), new(120, 1),
    ];

    public double Value => (double)Numerator / Denominator;

    /// <summary>Duration of one frame in seconds.</summary>
    public double FrameSeconds => (double)Denominator / Numerator;

    /// <summary>Parses a positive rate up to <see cref="Max"/>; false for anything else (including <c>0/0</c>).</summary>
    public static bool TryParse(string? text, out FrameRate rate)
    {
        rate = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var m = RatePattern().Match(text.Trim());
        if (!m.Success)
        {
            return false;
        }

        long num, den;
        if (m.Groups["den"].Success)
        {
            num = long.Parse(m.Groups["num"].Value, CultureInfo.InvariantCulture);
            den = long.Parse(m.Groups["den"].Value, CultureInfo.InvariantCulture);
        }
        else
        {
            var frac = m.Groups["frac"].Success ? m.Groups["frac"].Value : string.Empty;
            den = (long)Math.Pow(10, frac.Length);
            num = long.Parse(m.Groups["num"].Value + frac, CultureInfo.InvariantCulture);
        }

        if (num <= 0 || den <= 0 || (double)num / den > Max)
        {
            return false;
        }

        var gcd = Gcd(num, den);
        rate = new FrameRate(num / gcd, den / gcd);
        return true;
    }

    /// <summary>
    /// The rate to render when the source's measured average should become constant: a standard rate within 0.5 %,
    /// else the average rounded to 1/1000 fps (a phone's 29.87 average becomes 30000/1001 or 30, not 2987/100).
    /// </summary>
    public FrameRate SnapToStandard()
    {
        var value = Value;
        var best = Standard.MinBy(s => Math.Abs(s.Value - value));
        if (Math.Abs(best.Value - value) / best.Value <= 0.005)
        {
            return best;
        }

        var milli = Math.Max(1, (long)Math.Round(value * 1000));
        var gcd = Gcd(milli, 1000);
        return new FrameRate(milli / gcd, 1000 / gcd);
    }

    /// <summary>
    /// The constant rate for a variable-frame-rate source: the timeline rate (23.976, 24, 25, 29.97, 30, 48, 50, 59.94,
    /// 60, 120) nearest its nominal rate. The nominal rate is <paramref name="real"/> (ffprobe's r_frame_rate, where
    /// phones write the rate they record at) when that is itself a standard rate no more than 1.5 times the
    /// <paramref name="average"/> (frames dropped in low light lower the average, not the nominal rate); else the average.
    /// </summary>
    public static FrameRate SnapVariable(FrameRate? real, FrameRate average)
    {
        var nominal = real is { } r && r.Value <= average.Value * 1.5 && Standard.Any(s => s.ApproximatelyEquals(r)) ? r : average;
        return Timeline.MinBy(s => Math.Abs(s.Value - nominal.Value));
    }

    /// <summary>The rate in frames per second for people, e.g. <c>29.97</c> or <c>25</c>.</summary>
    public string ToDecimalString() => Value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Equal within 0.05 %.</summary>
    public bool ApproximatelyEquals(FrameRate other) => Math.Abs(Value - other.Value) <= Value * 0.0005;

    /// <summary>The ratio as ffmpeg takes it, e.g. <c>30000/1001</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    [GeneratedRegex(@"^(?:(?<num>\d{1,12})/(?<den>\d{1,12})|(?<num>\d{1,6})(?:\.(?<frac>\d{1,6}))?)$", RegexOptions.CultureInvariant)]
    private static partial Regex RatePattern();
}
