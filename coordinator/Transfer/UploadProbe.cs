using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// Checks an uploaded output before it is published: the open file (never its name) must read, with ffprobe, as a
/// media container with at least one stream. Bounded by <see cref="TransferOptions.FileTimeout"/>. When the
/// coordinator has no ffprobe, this check is skipped (the size and SHA-256 the agent reported still are checked) and
/// that is logged once.
/// </summary>
public sealed partial class UploadProbe(IOptions<TransferOptions> options, ILogger<UploadProbe> logger)
{
    private int _missingLogged;

    /// <summary>Why <paramref name="file"/> is not media, or null when it is (or when there is no ffprobe to ask).</summary>
    public async Task<string?> NotMediaAsync(MediaFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var o = options.Value;
        var start = new ProcessStartInfo(o.Ffprobe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-v", "error", "-show_entries", "format=format_name:stream=codec_type", "-of", "json", "file:" + file.ProcessPath })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            if (Interlocked.Exchange(ref _missingLogged, 1) == 0) LogNoFfprobe(logger, o.Ffprobe, ex.Message);
            return null;
        }

        using (process)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(o.FileTimeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                if (process.ExitCode != 0) return $"ffprobe cannot read it as media ({Shorten((await stderr).Trim())})";
                return Streams(await stdout);
            }
            catch (OperationCanceledException)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
                return $"ffprobe did not finish reading it within {o.FileTimeout} (Coordinator:Transfer:FileTimeout)";
            }
        }
    }

    private static string? Streams(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var streams = root.TryGetProperty("streams", out var s) ? s.GetArrayLength() : 0;
            var format = root.TryGetProperty("format", out var f) && f.TryGetProperty("format_name", out var n) ? n.GetString() : null;
            if (string.IsNullOrEmpty(format)) return "ffprobe finds no container format in it";
            return streams == 0 ? $"ffprobe finds no audio or video stream in it ({format})" : null;
        }
        catch (JsonException)
        {
            return "ffprobe's answer about it cannot be read";
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    [LoggerMessage(1, LogLevel.Warning, "No ffprobe ({Ffprobe}: {Error}): uploaded outputs are checked by size and SHA-256 only")]
    private static partial void LogNoFfprobe(ILogger logger, string ffprobe, string error);
}
