using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// A graded job's source colour for its poster: ffprobe reads the transfer and range of the open file's first video
/// stream (the job records only its output's), so an HLG or PQ source is tone-mapped for display like the result.
/// </summary>
public sealed class SourceColour(IOptions<ThumbnailOptions> options)
{
    /// <summary>The source's colour, or why it cannot be read.</summary>
    public async Task<(PictureColour? Colour, string? Problem)> ReadAsync(MediaFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var o = options.Value;
        var start = new ProcessStartInfo(o.Ffprobe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=color_transfer,color_range", "-of", "json", "file:" + file.ProcessPath })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.Timeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0) return (null, $"ffprobe cannot read the source ({(await stderr).Trim()})");
            using var document = JsonDocument.Parse(await stdout);
            if (!document.RootElement.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0) return (null, "the source has no video stream");
            var stream = streams[0];
            return (new PictureColour(Text(stream, "color_transfer"), Text(stream, "color_range")), null);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            return (null, $"ffprobe did not read the source within {o.Timeout}");
        }
    }

    private static string Text(JsonElement stream, string name) => stream.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";
}
