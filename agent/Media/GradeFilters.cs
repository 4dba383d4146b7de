using System.Globalization;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>Turns a <see cref="Grade"/> into RGB filters (expects <c>gbrp16le</c> in, leaves <c>gbrp16le</c> out).</summary>
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

    /// <summary>The filters in grading order: exposure, contrast, saturation, temperature, then the LUT.</summary>
    public static IEnumerable<string> Build(Grade? grade, bool hasLut, string lutFileName)
    {
        if (grade is { HasExposure: true } && grade.Exposure != 0)
        {
            // ffmpeg's exposure filter takes -3..3 EV and works in float RGB: split larger corrections in two.
            yield return "format=gbrpf32le";
            var steps = Math.Abs(grade.Exposure) > 3 ? 2 : 1;
            for (var i = 0; i < steps; i++)
            {
                yield return $"exposure=exposure={F(grade.Exposure / steps)}";
            }

            yield return "format=gbrp16le";
        }

        if (grade is { HasContrast: true } && grade.Contrast != 1)
        {
            yield return Contrast(grade.Contrast);
        }

        if (grade is { HasSaturation: true } && grade.Saturation != 1)
        {
            // colorchannelmixer gains are limited to -2..2; two mixers of sqrt(s) make s (the matrices compose).
            var s = grade.Saturation;
            if (s > 1.5)
            {
                var root = Math.Sqrt(s);
                yield return Saturation(root);
                yield return Saturation(root);
            }
            else
            {
                yield return Saturation(s);
            }
        }

        if (grade is { HasTemperature: true } && grade.Temperature != 6500)
        {
            yield return $"colortemperature=temperature={F(grade.Temperature)}";
        }

        if (hasLut)
        {
            yield return $"lut3d=file={lutFileName}:interp=tetrahedral";
        }
    }

    /// <summary>A straight line through mid grey with slope <paramref name="c"/>, clipped at black and white.</summary>
    private static string Contrast(double c)
    {
        string points = c > 1
            ? $"{F(0.5 - (0.5 / c))}/0 0.5/0.5 {F(0.5 + (0.5 / c))}/1"
            : $"0/{F(0.5 - (0.5 * c))} 0.5/0.5 1/{F(0.5 + (0.5 * c))}";
        return $"curves=all='{points}'";
    }

    private static string Saturation(double s)
    {
        var k = 1 - s;
        return "colorchannelmixer="
            + $"rr={F((Wr * k) + s)}:rg={F(Wg * k)}:rb={F(Wb * k)}:"
            + $"gr={F(Wr * k)}:gg={F((Wg * k) + s)}:gb={F(Wb * k)}:"
            + $"br={F(Wr * k)}:bg={F(Wg * k)}:bb={F((Wb * k) + s)}";
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
