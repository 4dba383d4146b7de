using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FFMpegCore;
using RenderFarm.Agent.Media.Mp4;
using RenderFarm.Protos.Media.Beneath;

namespace RenderFarm.Agent.Media;

/// <summary>Reads a media file's facts with ffprobe (through FFMpegCore's <c>FFProbe.AnalyseAsync</c>).</summary>
public static partial class MediaProbe
{
    /// <summary>
    /// Probes <paramref name="path"/>. A path with characters outside <c>[A-Za-z0-9/._+-]</c> is never put on the
    /// ffprobe command line: it is probed through a symlink with a fixed name in a private temp folder.
    /// With <paramref name="countFrames"/> the packets are counted (slower, but exact for any container).
    /// </summary>
    /// <exception cref="MediaProbeException">The file cannot be read or has no video stream.</exception>
    /// <param name="path">The file to probe.</param>
    /// <param name="cancellationToken">Stops ffprobe.</param>
    /// <param name="countFrames">Count the video packets (exact frame count, reads the whole file).</param>
    /// <param name="ffOptions">Where ffprobe is; null for FFMpegCore's global options.</param>
    public static async Task<SourceInfo> ProbeAsync(string path, CancellationToken cancellationToken, bool countFrames = false, FFOptions? ffOptions = null)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new MediaProbeException($"{Path.GetFileName(fullPath)} does not exist");
        }

        string? linkDir = null;
        var probePath = fullPath;
        if (!SafePath().IsMatch(fullPath))
        {
            linkDir = Directory.CreateTempSubdirectory("renderfarm-probe-").FullName;
            probePath = Path.Combine(linkDir, "probe" + SafeExtension(fullPath));
            File.CreateSymbolicLink(probePath, fullPath);
        }

        try
        {
            IMediaAnalysis analysis;
            try
            {
                analysis = await FFProbe.AnalyseAsync(
                    probePath, ffOptions, countFrames ? "-count_packets" : null, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception ex) when (ex is not MediaProbeException)
            {
                throw new MediaProbeException($"ffprobe cannot read {Path.GetFileName(fullPath)}: {FirstLine(ex.Message)}", ex);
            }

            var info = ToSourceInfo(analysis, new FileInfo(fullPath).Length, Path.GetFileName(fullPath));
            return info.ColorTransfer == "smpte2084"
                ? info with { Hdr10 = await ReadHdr10Async(probePath, ffOptions, cancellationToken).ConfigureAwait(false) }
                : info;
        }
        finally
        {
            if (linkDir is not null)
            {
                Directory.Delete(linkDir, recursive: true);
            }
        }
    }

    /// <summary>
    /// Probes an open file (opened once beneath its media root). An MP4/MOV whose facts <see cref="Mp4SourceReader"/> can
    /// read exactly as ffprobe reports them is read in process from that handle (unless <paramref name="countFrames"/>);
    /// anything else goes to ffprobe, which reads that same file through a <see cref="ProbeLink"/>. Messages name the file
    /// by the path it was opened by.
    /// </summary>
    /// <exception cref="MediaProbeException">The file cannot be read or has no video stream.</exception>
    public static async Task<SourceInfo> ProbeAsync(
        MediaFile file, CancellationToken cancellationToken, bool countFrames = false, FFOptions? ffOptions = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!countFrames)
        {
            var read = Mp4SourceReader.TryRead(file.Handle, file.Name, out var reason);
            if (read is not null)
            {
                if (logger is not null) Log.InProcess(logger, Path.GetFileName(file.Name));
                return read;
            }

            if (logger is not null) Log.Ffprobe(logger, Path.GetFileName(file.Name), reason);
        }

        return await FfprobeAsync(file, cancellationToken, countFrames, ffOptions).ConfigureAwait(false);
    }

    /// <summary>Probes an open file with ffprobe, which reads that same file through a <see cref="ProbeLink"/>.</summary>
    /// <exception cref="MediaProbeException">The file cannot be read or has no video stream.</exception>
    public static async Task<SourceInfo> FfprobeAsync(MediaFile file, CancellationToken cancellationToken, bool countFrames = false, FFOptions? ffOptions = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var link = new ProbeLink(file);
        var name = Path.GetFileName(file.Name);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(link.Path, ffOptions, countFrames ? "-count_packets" : null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not MediaProbeException)
        {
            throw new MediaProbeException($"ffprobe cannot read {name}: {FirstLine(ex.Message)}", ex);
        }

        var info = ToSourceInfo(analysis, file.Length, name);
        return info.ColorTransfer == "smpte2084"
            ? info with { Hdr10 = await ReadHdr10Async(link.Path, ffOptions, cancellationToken).ConfigureAwait(false) }
            : info;
    }

    /// <summary>
    /// HDR10 metadata of the first video stream: the container's (stream side data) or the first frame's (HEVC and AV1
    /// carry it in the bitstream), read with one ffprobe pass over one frame.
    /// </summary>
    private static async Task<Hdr10Metadata?> ReadHdr10Async(string probePath, FFOptions? ffOptions, CancellationToken cancellationToken)
    {
        var (output, _) = await Chunking.StreamChecks.RunAsync(
            GlobalFFOptions.GetFFProbeBinaryPath(ffOptions ?? GlobalFFOptions.Current),
            ["-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames",
                "-show_entries", "frame=side_data_list:stream=side_data_list", "-of", "json", probePath],
            cancellationToken).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(output.Length > 0 ? output : "{}");
            var entries = new List<JsonElement>();
            foreach (var section in (string[])["streams", "frames"])
            {
                if (doc.RootElement.TryGetProperty(section, out var items))
                {
                    foreach (var item in items.EnumerateArray())
                    {
                        if (item.TryGetProperty("side_data_list", out var list))
                        {
                            entries.AddRange(list.EnumerateArray().Select(e => e.Clone()));
                        }
                    }
                }
            }

            return Hdr10Metadata.FromSideData(entries);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The extension to give a link to <paramref name="path"/>: the real one when it is plain letters and digits, else none.</summary>
    public static string SafeExtension(string path)
    {
        var ext = Path.GetExtension(path);
        return PlainExtension().IsMatch(ext) ? ext.ToLowerInvariant() : string.Empty;
    }

    private static SourceInfo ToSourceInfo(IMediaAnalysis analysis, long size, string name)
    {
        var video = analysis.PrimaryVideoStream
            ?? throw new MediaProbeException($"{name} has no video stream");
        var raw = analysis.Raw.Streams.FirstOrDefault(s => s.Index == video.Index);
        var rotation = NormalizeRotation(video.Rotation != 0 ? video.Rotation : SideDataRotation(raw));
        var codedWidth = video.Width ?? 0;
        var codedHeight = video.Height ?? 0;
        if (codedWidth <= 0 || codedHeight <= 0)
        {
            throw new MediaProbeException($"{name}: the video stream has no picture size");
        }

        var swap = rotation is 90 or 270;
        var duration = video.Duration > TimeSpan.Zero ? video.Duration : analysis.Format.Duration;
        var audio = analysis.PrimaryAudioStream;
        return new SourceInfo(
            Width: swap ? codedHeight : codedWidth,
            Height: swap ? codedWidth : codedHeight,
            Rotation: rotation,
            Duration: duration,
            VideoCodec: video.CodecName ?? string.Empty,
            VideoProfile: raw?.Profile ?? string.Empty,
            PixelFormat: video.PixelFormat ?? string.Empty,
            BitDepth: BitDepthOf(video.PixelFormat),
            ColorPrimaries: Tag(video.ColorPrimaries),
            ColorTransfer: Tag(video.ColorTransfer),
            ColorSpace: Tag(video.ColorSpace),
            ColorRange: Tag(video.ColorRange),
            RealFrameRate: raw?.FrameRate ?? string.Empty,
            AverageFrameRate: raw?.AvgFrameRate ?? string.Empty,
            FrameCount: raw is null ? null : FrameCountOf(raw),
            HasAudio: audio is not null,
            AudioCodec: audio?.CodecName ?? string.Empty,
            SizeBytes: size,
            ContainerDuration: analysis.Format.Duration > TimeSpan.Zero ? analysis.Format.Duration : null);
    }

    /// <summary>Bits per component from an ffmpeg pixel format name: <c>yuv420p10le</c> is 10, <c>yuv420p</c> is 8.</summary>
    public static int? BitDepthOf(string? pixelFormat)
    {
        if (string.IsNullOrEmpty(pixelFormat))
        {
            return null;
        }

        if (pixelFormat.StartsWith("p010", StringComparison.Ordinal))
        {
            return 10;
        }

        if (pixelFormat is "rgb48le" or "rgb48be" or "rgba64le" or "rgba64be" or "p016le")
        {
            return 16;
        }

        var m = DepthSuffix().Match(pixelFormat);
        if (m.Success)
        {
            return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return pixelFormat.StartsWith("yuv", StringComparison.Ordinal) || pixelFormat.StartsWith("nv", StringComparison.Ordinal)
            || pixelFormat.StartsWith("gbr", StringComparison.Ordinal) || pixelFormat is "rgb24" or "bgr24" or "gray"
            ? 8
            : null;
    }

    private static long? FrameCountOf(FFProbeStream raw)
    {
        foreach (var key in (string[])["nb_read_packets", "nb_read_frames", "nb_frames"])
        {
            if (raw.ExtensionData is not null && raw.ExtensionData.TryGetValue(key, out var element))
            {
                var text = element.ValueKind == JsonValueKind.String ? element.GetString() : element.ToString();
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
                {
                    return count;
                }
            }
        }

        return null;
    }

    private static int SideDataRotation(FFProbeStream? raw)
    {
        if (raw?.SideData is null)
        {
            return 0;
        }

        foreach (var entry in raw.SideData)
        {
            if (entry.TryGetValue("rotation", out var value) && value is not null)
            {
                if (double.TryParse(value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var degrees))
                {
                    return (int)Math.Round(degrees);
                }
            }
        }

        return 0;
    }

    private static int NormalizeRotation(int degrees)
    {
        var r = ((degrees % 360) + 360) % 360;
        return (int)(Math.Round(r / 90.0) * 90) % 360;
    }

    private static string Tag(string? value) =>
        string.IsNullOrEmpty(value) || value is "unknown" or "unspecified" or "reserved" ? string.Empty : value;

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return line is null ? "unknown error" : line.Length > 200 ? line[..200] : line;
    }

    [GeneratedRegex(@"^[A-Za-z0-9/._+-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SafePath();

    [GeneratedRegex(@"^\.[A-Za-z0-9]{1,8}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainExtension();

    [GeneratedRegex(@"p(\d{1,2})(?:le|be)$", RegexOptions.CultureInvariant)]
    private static partial Regex DepthSuffix();
}
