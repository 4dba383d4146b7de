using System.Diagnostics;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Runs the one ffmpeg of a thumbnail: at the lowest CPU priority, within <see cref="ThumbnailOptions.Timeout"/>, one JPEG
/// on its standard output, checked for a frame header.
/// </summary>
public sealed class ThumbnailFfmpeg(IOptions<ThumbnailOptions> options)
{
    private const int MaxJpegBytes = 4 << 20;

    /// <summary>The JPEG's bytes and size in pixels, or why there is none.</summary>
    /// <param name="arguments">ffmpeg's arguments after the common ones (no banner, errors only); they end with the output.</param>
    public async Task<ThumbnailImage> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var start = new ProcessStartInfo(o.Ffmpeg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-nostdin", "-hide_banner", "-v", "error", "-threads", "1", .. arguments]) start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        try
        {
            process.PriorityClass = ProcessPriorityClass.Idle;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended already, or the priority cannot be lowered here: it still runs within the timeout.
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.Timeout);
        var stdout = ReadAllAsync(process.StandardOutput.BaseStream, timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            var jpeg = await stdout;
            if (process.ExitCode != 0 || jpeg.Length == 0)
            {
                var error = (await stderr).Trim();
                return ThumbnailImage.Failed($"ffmpeg could not make the picture ({(error.Length > 300 ? error[..300] + "..." : error)})");
            }

            if (jpeg.Length > MaxJpegBytes) return ThumbnailImage.Failed($"the picture is {jpeg.Length} bytes, more than {MaxJpegBytes}");
            return JpegSize(jpeg) is var (w, h) ? new ThumbnailImage(jpeg, w, h, null) : ThumbnailImage.Failed("ffmpeg's picture is not a JPEG with a frame header");
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return ThumbnailImage.Failed($"ffmpeg did not make the picture within {o.Timeout}");
        }
    }

    /// <summary>The arguments that open a file for reading from <paramref name="seconds"/> (the open file, never its name).</summary>
    public static string[] Input(MediaFile file, double seconds)
    {
        ArgumentNullException.ThrowIfNull(file);
        return ["-ss", Math.Max(0, seconds).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), "-i", "file:" + file.ProcessPath];
    }

    /// <summary>A JPEG's width and height from its first start-of-frame marker (SOF0 to SOF15 but DHT, JPG and DAC).</summary>
    public static (int Width, int Height)? JpegSize(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return null;
        var i = 2;
        while (i + 9 < jpeg.Length)
        {
            if (jpeg[i] != 0xFF) return null;
            var marker = jpeg[i + 1];
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return ((jpeg[i + 7] << 8) | jpeg[i + 8], (jpeg[i + 5] << 8) | jpeg[i + 6]);
            }

            i += 2 + length;
        }

        return null;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
