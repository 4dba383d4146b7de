using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>
/// The picture size of a source, for an output pattern's {width} and {height}: ffprobe reads the open file (never its
/// name), and a picture turned by a quarter (a phone held upright) is given as it is shown.
/// </summary>
public sealed class SourceProbe(IOptions<TransferOptions> options)
{
    /// <summary>Width and height as shown, or why they cannot be read.</summary>
    public async Task<(int Width, int Height, string? Problem)> PictureSizeAsync(MediaFile file, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var start = new ProcessStartInfo(o.Ffprobe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:stream_side_data=rotation", "-of", "json", "file:" + file.ProcessPath })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffprobe did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.FileTimeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0) return (0, 0, $"ffprobe cannot read it as media ({(await stderr).Trim()})");
            return Parse(await stdout);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return (0, 0, $"ffprobe did not read its picture size within {o.FileTimeout}");
        }
    }

    private static (int, int, string?) Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
        {
            return (0, 0, "it has no video stream, so {width} and {height} have no value");
        }

        var stream = streams[0];
        var width = stream.TryGetProperty("width", out var w) ? w.GetInt32() : 0;
        var height = stream.TryGetProperty("height", out var h) ? h.GetInt32() : 0;
        var rotation = 0;
        if (stream.TryGetProperty("side_data_list", out var sideData))
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var r) && r.TryGetDouble(out var degrees)) rotation = (int)Math.Round(degrees);
            }
        }

        return Math.Abs(rotation) % 180 == 90 ? (height, width, null) : (width, height, null);
    }
}
