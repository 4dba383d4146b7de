using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RenderFarm.Agent.Media;

/// <summary>What the local ffmpeg can do: its version and the names of its encoders and filters.</summary>
/// <param name="Version">The version word from <c>ffmpeg -version</c>, e.g. <c>5.1.6-0+deb12u1</c>; empty when ffmpeg is missing.</param>
/// <param name="Encoders">Encoder names, e.g. <c>libx264</c>, <c>prores_aw</c>.</param>
/// <param name="Filters">Filter names, e.g. <c>zscale</c>, <c>lut3d</c>.</param>
public sealed partial record FfmpegCapabilities(string Version, IReadOnlyList<string> Encoders, IReadOnlyList<string> Filters)
{
    /// <summary>Runs <c>ffmpeg -version</c>, <c>-encoders</c> and <c>-filters</c>; empty lists when ffmpeg cannot be run.</summary>
    public static FfmpegCapabilities Detect(string ffmpeg = "ffmpeg")
    {
        var version = VersionWord().Match(Run(ffmpeg, "-version")) is { Success: true } m ? m.Groups[1].Value : string.Empty;
        return new FfmpegCapabilities(version, ParseEncoders(Run(ffmpeg, "-encoders")), ParseFilters(Run(ffmpeg, "-filters")));
    }

    public bool HasEncoder(string name) => Encoders.Contains(name, StringComparer.Ordinal);

    public bool HasFilter(string name) => Filters.Contains(name, StringComparer.Ordinal);

    /// <summary>Names from <c>ffmpeg -encoders</c>: lines like <c> V....D libx264  ...</c> after the <c>------</c> rule.</summary>
    public static IReadOnlyList<string> ParseEncoders(string text) => ParseTable(text, EncoderLine());

    /// <summary>Names from <c>ffmpeg -filters</c>: lines like <c> ... lut3d  V->V  ...</c>.</summary>
    public static IReadOnlyList<string> ParseFilters(string text) => ParseTable(text, FilterLine());

    private static IReadOnlyList<string> ParseTable(string text, Regex line)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var m = line.Match(raw);
            if (m.Success)
            {
                names.Add(m.Groups["name"].Value);
            }
        }

        return [.. names];
    }

    private static string Run(string ffmpeg, string what)
    {
        try
        {
            var start = new ProcessStartInfo(ffmpeg)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-hide_banner");
            start.ArgumentList.Add(what);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return output + stderr.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return string.Empty;
        }
    }

    [GeneratedRegex(@"ffmpeg version (\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionWord();

    [GeneratedRegex(@"^\s[VAS][F.][S.][X.][B.][D.]\s+(?<name>[A-Za-z0-9_\-]+)\s", RegexOptions.CultureInvariant)]
    private static partial Regex EncoderLine();

    [GeneratedRegex(@"^\s[T.][S.][C.]\s+(?<name>[A-Za-z0-9_\-]+)\s+\S*->\S*\s", RegexOptions.CultureInvariant)]
    private static partial Regex FilterLine();
}
