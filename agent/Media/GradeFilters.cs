using System.Globalization;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>Turns a <see cref="Grade"/> into RGB filters: photographic operations on linear light, then contrast and the LUT.</summary>
internal static class GradeFilters
{
    // Rec.709 luma weights, used by the saturation matrix.
    private const double Wr = 0.2126;
    private const double Wg = 0.7152;
    private const double Wb = 0.0722;

    /// <summary>Validates the grade's numbers; throws <see cref="RenderSettingsException"/> naming the field.</summary>
    public static void Validate(Grade grade)
    {
        Check(grade.HasExposure, grade.Exposure, -4, 4, "grade.exposure", "stops");
        Check(grade.HasContrast, grade.Contrast, 0.25, 4, "grade.contrast", "(1 = unchanged)");
        Check(grade.HasSaturation, grade.Saturation, 0, 3, "grade.saturation", "(1 = unchanged)");
        Check(grade.HasTemperature, grade.Temperature, 1000, 40000, "grade.temperature", "kelvin");
    }

    /// <summary>True when the grade changes the picture (a LUT, or a field away from its neutral value).</summary>
    public static bool IsActive(Grade? grade, bool hasLut) =>
        hasLut || (grade is not null && (
            (grade.HasExposure && grade.Exposure != 0) || (grade.HasContrast && grade.Contrast != 1)
            || (grade.HasSaturation && grade.Saturation != 1) || (grade.HasTemperature && grade.Temperature != 6500)));

    /// <summary>True when a field needs linear light: exposure, saturation or white balance away from neutral.</summary>
    public static bool NeedsLinearLight(Grade? grade) =>
        grade is not null && ((grade.HasExposure && grade.Exposure != 0) || (grade.HasSaturation && grade.Saturation != 1)
            || (grade.HasTemperature && grade.Temperature != 6500));

    /// <summary>
    /// Exposure, saturation and white balance on linear light in float RGB (<c>gbrpf32le</c> in and out), in the
    /// working <paramref name="primaries"/> (<c>bt709</c> or <c>bt2020</c>). Exposure multiplies light by 2^stops;
    /// saturation moves each pixel away from (or towards) its luminance; white balance multiplies R, G and B by the
    /// ratio of the Planckian colour at <see cref="Grade.Temperature"/> to that at 6500 K, keeping luminance.
    /// </summary>
    public static IEnumerable<string> LinearLight(Grade? grade, string primaries)
    {
        var (wr, wg, wb) = primaries == "bt2020" ? (0.2627, 0.6780, 0.0593) : (Wr, Wg, Wb);
        if (grade is { HasExposure: true } && grade.Exposure != 0)
        {
            // ffmpeg's exposure filter (out = in * 2^EV with black 0) takes -3..3 EV: split larger corrections in two.
            var steps = Math.Abs(grade.Exposure) > 3 ? 2 : 1;
            for (var i = 0; i < steps; i++)
            {
                yield return $"exposure=exposure={F(grade.Exposure / steps)}:black=0";
            }
        }

        if (grade is { HasSaturation: true } && grade.Saturation != 1)
        {
            // colorchannelmixer gains are limited to -2..2; two mixers of sqrt(s) make s (the matrices compose).
            var s = grade.Saturation;
            var count = s > 1.5 ? 2 : 1;
            var each = count == 2 ? Math.Sqrt(s) : s;
            for (var i = 0; i < count; i++)
            {
                yield return Saturation(each, wr, wg, wb);
            }
        }

        if (grade is { HasTemperature: true } && grade.Temperature != 6500)
        {
            var (r, g, b) = WhiteBalanceGains(grade.Temperature, primaries);
            var count = Math.Max(r, Math.Max(g, b)) > 2 ? 2 : 1;
            (r, g, b) = count == 2 ? (Math.Sqrt(r), Math.Sqrt(g), Math.Sqrt(b)) : (r, g, b);
            for (var i = 0; i < count; i++)
            {
                yield return $"colorchannelmixer=rr={F(r)}:gg={F(g)}:bb={F(b)}";
            }
        }
    }

    /// <summary>
    /// Contrast and the LUT on the output's gamma-encoded RGB. Contrast c is a power law on linear light that keeps 18 %
    /// grey: L' = 0.18 (L / 0.18)^c, so a patch n stops from grey ends up c n stops from it. On BT.709 (BT.1886, a pure
    /// 2.4 power) it is exactly V' = Vg (V / Vg)^c with Vg = 0.18^(1/2.4), applied in 16-bit (lutrgb clips to the range). The LUT follows (a .cube
    /// LUT expects Rec.709 SDR RGB). Both take and leave <c>gbrp16le</c>.
    /// </summary>
    public static IEnumerable<string> Encoded(Grade? grade, bool hasLut, string lutFileName)
    {
        if (grade is { HasContrast: true } && grade.Contrast != 1)
        {
            var vg = F(Math.Pow(MidGrey, 1 / 2.4));
            var e = $"'pow(val/maxval/{vg},{F(grade.Contrast)})*{vg}*maxval'";
            yield return $"lutrgb=r={e}:g={e}:b={e}";
        }

        if (hasLut)
        {
            yield return $"lut3d=file={lutFileName}:interp=tetrahedral";
        }
    }

    /// <summary>18 % grey in linear light, the pivot of contrast.</summary>
    public const double MidGrey = 0.18;

    /// <summary>
    /// Linear-light gains for white balance at <paramref name="kelvin"/>: the Planckian locus (Kim et al. cubic fit,
    /// 1667-25000 K; outside it the ends) in linear RGB of <paramref name="primaries"/>, divided by its colour at
    /// 6500 K and scaled so luminance is kept. Lower temperatures give a warmer picture.
    /// </summary>
    public static (double R, double G, double B) WhiteBalanceGains(double kelvin, string primaries)
    {
        var (wr, wg, wb) = primaries == "bt2020" ? (0.2627, 0.6780, 0.0593) : (Wr, Wg, Wb);
        var (r1, g1, b1) = Planckian(kelvin, primaries);
        var (r0, g0, b0) = Planckian(6500, primaries);
        var (r, g, b) = (Math.Max(0, r1 / r0), Math.Max(0, g1 / g0), Math.Max(0, b1 / b0));
        var y = (wr * r) + (wg * g) + (wb * b);
        return (r / y, g / y, b / y);
    }

    private static (double R, double G, double B) Planckian(double kelvin, string primaries)
    {
        var t = Math.Clamp(kelvin, 1667, 25000);
        var x = t <= 4000
            ? (-0.2661239e9 / (t * t * t)) - (0.2343589e6 / (t * t)) + (0.8776956e3 / t) + 0.179910
            : (-3.0258469e9 / (t * t * t)) + (2.1070379e6 / (t * t)) + (0.2226347e3 / t) + 0.240390;
        var y = t <= 2222
            ? (-1.1063814 * x * x * x) - (1.34811020 * x * x) + (2.18555832 * x) - 0.20219683
            : t <= 4000
                ? (-0.9549476 * x * x * x) - (1.37418593 * x * x) + (2.09137015 * x) - 0.16748867
                : (3.0817580 * x * x * x) - (5.87338670 * x * x) + (3.75112997 * x) - 0.37001483;
        var (cx, cy, cz) = (x / y, 1.0, (1 - x - y) / y);
        return primaries == "bt2020"
            ? ((1.7166512 * cx) - (0.3556708 * cy) - (0.2533663 * cz), (-0.6666844 * cx) + (1.6164812 * cy) + (0.0157685 * cz), (0.0176399 * cx) - (0.0427706 * cy) + (0.9421031 * cz))
            : ((3.2404542 * cx) - (1.5371385 * cy) - (0.4985314 * cz), (-0.9692660 * cx) + (1.8760108 * cy) + (0.0415560 * cz), (0.0556434 * cx) - (0.2040259 * cy) + (1.0572252 * cz));
    }

    private static string Saturation(double s, double wr, double wg, double wb)
    {
        var k = 1 - s;
        return "colorchannelmixer="
            + $"rr={F((wr * k) + s)}:rg={F(wg * k)}:rb={F(wb * k)}:"
            + $"gr={F(wr * k)}:gg={F((wg * k) + s)}:gb={F(wb * k)}:"
            + $"br={F(wr * k)}:bg={F(wg * k)}:bb={F((wb * k) + s)}";
    }

    private static void Check(bool has, double value, double min, double max, string field, string unit)
    {
        if (has && (!double.IsFinite(value) || value < min || value > max))
        {
            throw new RenderSettingsException(field, string.Create(
                CultureInfo.InvariantCulture, $"{value} is out of range; use {min} to {max} {unit}"));
        }
    }

    internal static string F(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
