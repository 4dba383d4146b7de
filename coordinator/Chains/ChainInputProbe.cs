using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chains;

/// <summary>
/// Reads what a chained job's input holds: one ffprobe of the open file (never its name) for the container's duration
/// and the first video stream's codec, size and frame count. Uses the coordinator's ffprobe and time limit
/// (<c>Coordinator:Transfer:Ffprobe</c>, <c>FileTimeout</c>).
/// </summary>
public sealed class ChainInputProbe(IOptions<TransferOptions> options)
{
    /// <summary>The probed facts (size and hash are the caller's), or why the file is not media.</summary>
    public async Task<(OutputInfo? Facts, string? Problem)> ProbeAsync(MediaFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var o = options.Value;
        var start = new ProcessStartInfo(o.Ffprobe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type,codec_name,width,height,nb_frames",
                     "-of", "json", "file:" + file.ProcessPath,
                 })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.FileTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return (null, $"ffprobe did not finish reading it within {o.FileTimeout}");
        }

        if (process.ExitCode != 0)
        {
            var error = (await stderr).Trim();
            return (null, $"ffprobe cannot read it as media ({(error.Length > 300 ? error[..300] + "..." : error)})");
        }

        return Parse(await stdout);
    }

    private static (OutputInfo?, string?) Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var info = new OutputInfo();
            if (root.TryGetProperty("format", out var format) && format.TryGetProperty("duration", out var d)
                && double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                info.DurationSeconds = seconds;
            }

            var streams = root.TryGetProperty("streams", out var s) ? s.EnumerateArray().ToList() : [];
            if (streams.Count == 0) return (null, "ffprobe finds no audio or video stream in it");
            foreach (var stream in streams.Where(x => x.TryGetProperty("codec_type", out var t) && t.GetString() == "video").Take(1))
            {
                info.VideoCodec = stream.TryGetProperty("codec_name", out var c) ? c.GetString() ?? "" : "";
                info.Width = stream.TryGetProperty("width", out var w) ? w.GetUInt32() : 0;
                info.Height = stream.TryGetProperty("height", out var h) ? h.GetUInt32() : 0;
                if (stream.TryGetProperty("nb_frames", out var n) && ulong.TryParse(n.GetString(), CultureInfo.InvariantCulture, out var frames)) info.FrameCount = frames;
            }

            return (info, null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return (null, "ffprobe's answer about it cannot be read");
        }
    }
}
