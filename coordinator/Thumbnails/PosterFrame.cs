using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Makes one poster frame (JPEG, <see cref="ThumbnailOptions.Width"/> wide) of a job's output: one ffmpeg, at the lowest
/// CPU priority and within <see cref="ThumbnailOptions.Timeout"/>, reading the open file (never its name) from about 10 %
/// into the clip. An HDR output (PQ or HLG) is tone-mapped to BT.709 SDR for display the way docs/colour.md's pipeline
/// does: to linear light with reference white (203 cd/m²) at 1.0, <c>tonemap=mobius</c> with a 1000 cd/m² peak, back to BT.709.
/// </summary>
public sealed class PosterFrame(IOptions<ThumbnailOptions> options)
{
    /// <summary>Where in the clip the poster frame is taken, as a fraction of its duration.</summary>
    public const double Position = 0.1;

    private const int MaxJpegBytes = 4 << 20;

    /// <summary>The JPEG's bytes and size in pixels, or why there is none.</summary>
    public async Task<(byte[]? Jpeg, int Width, int Height, string? Problem)> MakeAsync(MediaFile file, OutputInfo facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(facts);
        var o = options.Value;
        var start = new ProcessStartInfo(o.Ffmpeg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var seek = Math.Max(0, facts.DurationSeconds * Position);
        foreach (var arg in new[]
                 {
                     "-nostdin", "-hide_banner", "-v", "error", "-threads", "1",
                     "-ss", seek.ToString("0.###", CultureInfo.InvariantCulture), "-i", "file:" + file.ProcessPath,
                     "-map", "0:v:0", "-frames:v", "1", "-vf", Filters(facts, o.Width), "-c:v", "mjpeg", "-q:v", "4", "-f", "image2pipe", "pipe:1",
                 })
        {
            start.ArgumentList.Add(arg);
        }

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
                return (null, 0, 0, $"ffmpeg could not take a frame ({(error.Length > 300 ? error[..300] + "..." : error)})");
            }

            if (jpeg.Length > MaxJpegBytes) return (null, 0, 0, $"the frame is {jpeg.Length} bytes, more than {MaxJpegBytes}");
            return JpegSize(jpeg) is var (w, h) ? (jpeg, w, h, null) : (null, 0, 0, "ffmpeg's frame is not a JPEG with a frame header");
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return (null, 0, 0, $"ffmpeg did not take a frame within {o.Timeout}");
        }
    }

    /// <summary>The frame's filters: resize in the output's own YUV, then tone-map an HDR output to SDR, then full-range JPEG YUV.</summary>
    public static string Filters(OutputInfo facts, int width)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var scale = string.Create(CultureInfo.InvariantCulture, $"scale=w={width}:h=-2");
        var transfer = facts.ColorTransfer switch
        {
            "smpte2084" => "smpte2084",
            "arib-std-b67" => "arib-std-b67",
            _ => null,
        };
        if (transfer is null) return $"{scale},format=yuvj420p";
        var peak = (1000.0 / 203).ToString("0.####", CultureInfo.InvariantCulture);
        return string.Join(',',
            scale,
            $"setparams=color_primaries=bt2020:color_trc={transfer}:colorspace=bt2020nc",
            $"zscale=tin={transfer}:min=2020_ncl:pin=2020:t=linear:p=709:npl=203",
            "format=gbrpf32le",
            $"tonemap=tonemap=mobius:peak={peak}:desat=0",
            "zscale=tin=linear:pin=709:t=709:p=709:npl=203",
            "format=gbrp16le",
            "zscale=tin=709:pin=709:rin=full:m=709:r=full",
            "format=yuvj420p");
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
