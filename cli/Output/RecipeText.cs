using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Output;

/// <summary>A job's output settings and grade in one line each, e.g. "prores-hq, keep timing, audio pcm".</summary>
internal static class RecipeText
{
    public static string Settings(OutputSettings? output)
    {
        if (output is null)
        {
            return Format.None;
        }

        var parts = new List<string> { Format.Preset(output.Preset) };
        if (output.MaxWidth > 0 || output.MaxHeight > 0)
        {
            parts.Add($"fit {output.MaxWidth}x{output.MaxHeight}");
        }

        parts.Add(output.FrameRateMode switch
        {
            FrameRateMode.Keep => "keep timing",
            FrameRateMode.Constant => $"{(output.FrameRate.Length > 0 ? output.FrameRate : "source")} fps constant",
            _ => "preset timing",
        });
        if (output.AudioCodec != AudioCodec.Unspecified)
        {
            parts.Add($"audio {output.AudioCodec.ToString().ToLowerInvariant()}");
        }

        if (output.Crf > 0)
        {
            parts.Add($"crf {output.Crf}");
        }

        if (output.BitDepth > 0)
        {
            parts.Add($"{output.BitDepth}-bit");
        }

        if (output.HdrMode != HdrMode.Unspecified)
        {
            parts.Add(output.HdrMode == HdrMode.Keep ? "keep hdr" : "tone-map to sdr");
        }

        return string.Join(", ", parts);
    }

    public static string Grade(Grade grade)
    {
        var parts = new List<string>();
        if (grade.LutPath.Length > 0)
        {
            parts.Add($"lut {grade.LutPath}");
        }

        if (grade.HasExposure)
        {
            parts.Add($"exposure {Format.Number(grade.Exposure)} EV");
        }

        if (grade.HasContrast)
        {
            parts.Add($"contrast {Format.Number(grade.Contrast)}");
        }

        if (grade.HasSaturation)
        {
            parts.Add($"saturation {Format.Number(grade.Saturation)}");
        }

        if (grade.HasTemperature)
        {
            parts.Add($"temperature {Format.Number(grade.Temperature, "0")} K");
        }

        return string.Join(", ", parts);
    }
}
