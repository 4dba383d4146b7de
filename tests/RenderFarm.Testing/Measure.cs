using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Testing;

/// <summary>Picture measurements with ffmpeg filters: PSNR between two files, mean Y/U/V levels of one.</summary>
public static partial class Measure
{
    /// <summary>Mean plane levels over all frames (signalstats YAVG, UAVG, VAVG, on the file's own bit depth scale).</summary>
    public sealed record SignalStats(double YAvg, double UAvg, double VAvg);

    /// <summary>Average PSNR (dB, all planes) of <paramref name="distorted"/> against <paramref name="reference"/>; infinity when identical.</summary>
    public static async Task<double> PsnrAsync(string reference, string distorted)
    {
        var result = await ProcessRunner.RunAsync("ffmpeg", [
            "-hide_banner", "-nostdin", "-i", distorted, "-i", reference, "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-",
        ]).ConfigureAwait(false);
        var m = PsnrAverage().Match(result.StandardError);
        if (result.ExitCode != 0 || !m.Success)
        {
            throw new InvalidOperationException($"psnr failed: {result.StandardError}");
        }

        var text = m.Groups[1].Value;
        return text == "inf" ? double.PositiveInfinity : double.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>Mean YAVG/UAVG/VAVG over every frame of the first video stream.</summary>
    public static async Task<SignalStats> SignalStatsAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("ffmpeg", [
            "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
            "-vf", "signalstats,metadata=mode=print:file=-", "-f", "null", "-",
        ]).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"signalstats failed: {result.StandardError}");
        }

        double Mean(string key)
        {
            var values = Regex.Matches(result.StandardOutput, $@"lavfi\.signalstats\.{key}=([\d.]+)")
                .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            return values.Count == 0 ? throw new InvalidOperationException($"no {key} values") : values.Average();
        }

        return new SignalStats(Mean("YAVG"), Mean("UAVG"), Mean("VAVG"));
    }

    /// <summary>
    /// Decodes every stream of <paramref name="path"/> (<c>ffmpeg -v error -i path -f null -</c>) and returns what
    /// ffmpeg reported: empty for a file that decodes cleanly, the errors (or the exit code) otherwise.
    /// </summary>
    public static async Task<string> DecodeErrorsAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"]).ConfigureAwait(false);
        var errors = result.StandardError.Trim();
        return result.ExitCode == 0 || errors.Length > 0 ? errors : $"ffmpeg exited with code {result.ExitCode}";
    }

    [GeneratedRegex(@"PSNR .*average:(inf|[\d.]+)", RegexOptions.CultureInvariant)]
    private static partial Regex PsnrAverage();
}
