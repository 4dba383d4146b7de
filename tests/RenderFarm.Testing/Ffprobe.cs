using System.Globalization;
using System.Text.Json;

namespace RenderFarm.Testing;

/// <summary>ffprobe helpers for assertions: stream facts as JSON and exact frame counts.</summary>
public static class Ffprobe
{
    /// <summary>The first stream matching <paramref name="selector"/> (<c>v:0</c>, <c>a:0</c>) as ffprobe JSON, or null when there is none.</summary>
    public static async Task<JsonElement?> StreamAsync(string path, string selector = "v:0")
    {
        var result = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-select_streams", selector, "-show_streams", "-of", "json", path]).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffprobe failed on {path}: {result.StandardError}");
        }

        using var doc = JsonDocument.Parse(result.StandardOutput);
        var streams = doc.RootElement.GetProperty("streams");
        return streams.GetArrayLength() == 0 ? null : streams[0].Clone();
    }

    /// <summary>A string field of the first video stream (e.g. <c>codec_name</c>, <c>color_transfer</c>); empty when absent.</summary>
    public static async Task<string> VideoFieldAsync(string path, string field)
    {
        var stream = await StreamAsync(path).ConfigureAwait(false) ?? throw new InvalidOperationException($"{path} has no video");
        return stream.TryGetProperty(field, out var value) ? value.ToString() : string.Empty;
    }

    /// <summary>Decodes the video and counts its frames (<c>-count_frames</c>, nb_read_frames).</summary>
    public static async Task<long> CountFramesAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("ffprobe", [
            "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path,
        ]).ConfigureAwait(false);
        return long.Parse(result.StandardOutput.Trim().Split('\n')[0].Trim().TrimEnd(','), CultureInfo.InvariantCulture);
    }

    /// <summary>Duration of the first video stream in seconds.</summary>
    public static async Task<double> VideoDurationAsync(string path) =>
        double.Parse(await VideoFieldAsync(path, "duration").ConfigureAwait(false), CultureInfo.InvariantCulture);

    /// <summary>Whether the file has an audio stream.</summary>
    public static async Task<bool> HasAudioAsync(string path) => await StreamAsync(path, "a:0").ConfigureAwait(false) is not null;

    /// <summary>The display-matrix rotation of the first video stream in degrees (0 when there is none).</summary>
    public static async Task<int> RotationAsync(string path)
    {
        var stream = await StreamAsync(path).ConfigureAwait(false);
        if (stream is { } s && s.TryGetProperty("side_data_list", out var list))
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var rotation))
                {
                    return (int)rotation.GetDouble();
                }
            }
        }

        return 0;
    }
}
