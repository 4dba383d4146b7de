using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// Reads a source MP4/MOV's facts in process, as ffprobe 5.1 reports them, so a new input needs no ffprobe process: the
/// movie box's single H.264/HEVC video track (profile, pixel format, size and colour from its parameter sets, the
/// container's <c>colr</c> where ffmpeg's decoder takes it), the rotation of its display matrix, duration, frame count and
/// frame rates from its sample table, the first audio track's codec, and a PQ stream's HDR10 metadata from its SEI. What it
/// does not fully understand it does not guess: it says why, and the caller asks ffprobe.
/// </summary>
public static class Mp4SourceReader
{
    /// <summary>Sample entry types of video and audio codecs.</summary>
    private static readonly HashSet<string> MediaFormats =
    [
        "avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "mp4v", "apco", "apcs", "apcn", "apch", "ap4h", "ap4x", "AVdn", "AVdh",
        "mp4a", "Opus", "fLaC", "ac-3", "ec-3", "alac", "lpcm", "sowt", "twos", "in24", "in32", "fl32", "fl64", ".mp3",
    ];

    /// <summary>
    /// The facts of the open file, or null with the <paramref name="reason"/> ffprobe must be asked instead (another
    /// container, another codec, a variable frame rate, an edit list that trims, fragments, several video tracks, ...).
    /// </summary>
    public static SourceInfo? TryRead(SafeFileHandle file, string name, out string reason)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!Mp4Reader.Handles(name))
        {
            reason = "not an .mp4/.m4v/.mov name";
            return null;
        }

        try
        {
            return Read(file, out reason);
        }
        catch (Mp4FormatException ex)
        {
            reason = ex.Message;
            return null;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            // A file this reader cannot walk is ffprobe's to judge, as before: it fails or reads it as it always did.
            reason = $"a file it could not read ({ex.GetType().Name}: {ex.Message})";
            return null;
        }
    }

    private static SourceInfo? Read(SafeFileHandle file, out string reason)
    {
        var length = RandomAccess.GetLength(file);
        var movie = MovieBoxes.Read(file, length);
        if (movie.HasCoverArt) return No("the movie holds cover art", out reason);
        // ffmpeg tells a stream's kind from its codec too, so a track holding pictures or sound under another handler
        // (a damaged hdlr box, a tool's own handler) would be a stream ffprobe lists and this reader would miss.
        if (movie.Tracks.FirstOrDefault(t => t.Handler is not ("vide" or "soun") && MediaFormats.Contains(t.Format)) is { } odd)
        {
            return No($"a '{odd.Handler}' track holding '{odd.Format}'", out reason);
        }

        var videos = movie.Tracks.Where(t => t.Handler == "vide").ToList();
        if (videos.Count != 1) return No($"{videos.Count} video tracks", out reason);
        var video = videos[0];
        var codec = Mp4Reader.VideoCodec(video.Format);
        if (codec is not ("h264" or "hevc")) return No($"video codec '{video.Format}'", out reason);
        if (video.DecoderConfig is null) return No($"the '{video.Format}' sample entry has no decoder configuration", out reason);
        if (video.Timescale == 0 || video.SampleCount == 0) return No("the video track has no frames or no timescale", out reason);

        // Frames and times: ffprobe's nb_frames is the stts count; the rates come from the stts deltas.
        var stts = video.TimeToSample;
        var frames = stts.Sum(e => (long)e.Count);
        if (frames != video.SampleCount) return No("the time and size tables count different frames", out reason);
        if (video.SampleTicks == 0) return No("the video's frames take no time", out reason);
        if (Ticks(movie, video) is not { } ticks) return No("an edit list or media duration ffprobe may read otherwise", out reason);
        var constant = stts.Length == 1 || (stts.Length == 2 && stts[1].Count == 1);
        if (Reduce((long)video.Timescale * frames, FpsTicks(stts)) is not { } averageRate) return No("an average rate beyond ffmpeg's 32-bit ratios", out reason);
        var why = "a frame rate beyond ffmpeg's 32-bit ratios";
        var realRate = constant ? Reduce(video.Timescale, stts[0].Delta) : RealFrameRateEstimate.ForTrack(movie, video, averageRate, out why);
        if (realRate is null) return No(why, out reason);
        if (Rotation(video.Matrix) is not { } rotation) return No("a display matrix that is not a plain rotation", out reason);

        string profile, pixelFormat;
        int width, height;
        int? primaries, transfer, matrix;
        bool? fullRange;
        IReadOnlyList<byte[]> headerSei = [];
        var lengthSize = 0;
        if (video.ColrBoxes > 1) return No("several colr boxes", out reason);
        var colr = video.Colr;
        if (codec == "h264")
        {
            (var sps, lengthSize) = H264Sps.FromAvcC(video.DecoderConfig);
            profile = sps.ProfileName;
            (width, height) = (sps.Width, sps.Height);
            // ffmpeg's H.264 decoder overrides the container's colour only with what the VUI carries.
            primaries = sps.Primaries ?? colr?.Primaries;
            transfer = sps.Transfer ?? colr?.Transfer;
            matrix = sps.Matrix ?? colr?.Matrix;
            fullRange = sps.FullRange ?? colr?.FullRange;
            if (sps.ChromaFormat == 3 && matrix == 0) return No("H.264 4:4:4 RGB", out reason);
            pixelFormat = (sps with { FullRange = fullRange }).PixelFormat;
        }
        else
        {
            (var sps, lengthSize, headerSei) = HevcSps.FromHvcC(video.DecoderConfig);
            profile = sps.ProfileName;
            pixelFormat = sps.PixelFormat;
            (width, height) = (sps.Width, sps.Height);
            // ffmpeg's HEVC decoder sets the colour from the SPS alone (unspecified without a colour description) and
            // the range to limited unless the VUI says full.
            (primaries, transfer, matrix) = (sps.Primaries, sps.Transfer, sps.Matrix);
            fullRange = sps.SignalType && sps.FullRange;
        }

        if (profile.Length == 0 || pixelFormat.Length == 0) return No($"a {codec} profile or pixel format this reader leaves to ffprobe", out reason);
        if (width <= 0 || height <= 0) return No("no picture size", out reason);

        var audio = movie.Tracks.FirstOrDefault(t => t.Handler == "soun");
        var audioCodec = audio is null ? string.Empty : Mp4Reader.AudioCodec(audio);
        if (audio is not null && (audioCodec.Length == 0 || audio.SampleCount == 0)) return No($"audio '{audio.Format}'", out reason);

        var transferName = ColorCodes.Transfer(transfer ?? 2);
        Hdr10Metadata? hdr10 = null;
        if (transferName == "smpte2084")
        {
            if (codec != "hevc") return No("a PQ stream that is not HEVC", out reason);
            // As MediaProbe's ffprobe pass gives it: the first frame's SEI (HEVC puts it in the bitstream). It does not see
            // a sample entry's mdcv/clli boxes (they are stream side data, whose entries that pass does not select), so
            // neither does this reader.
            hdr10 = HevcSei.Read(FirstSampleNals(file, video, lengthSize)) ?? HevcSei.Read(headerSei);
        }

        // ffprobe's format duration: the movie header's, rescaled to microseconds (rounded), of which FFMpegCore keeps the
        // whole milliseconds. Without one, ffmpeg derives it from the streams: left to ffprobe.
        if (movie.Timescale == 0 || movie.Duration == 0) return No("no movie duration", out reason);
        var containerMicroseconds = (long)(((UInt128)movie.Duration * 1_000_000 + (movie.Timescale / 2)) / movie.Timescale);

        var swap = rotation is 90 or 270;
        // ffprobe prints the duration in microseconds; FFMpegCore keeps the whole milliseconds of that.
        var printed = decimal.Parse(((double)ticks / video.Timescale).ToString("F6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var milliseconds = (long)decimal.Truncate(printed * 1000);
        reason = string.Empty;
        return new SourceInfo(
            Width: swap ? height : width,
            Height: swap ? width : height,
            Rotation: rotation,
            Duration: TimeSpan.FromMilliseconds(milliseconds),
            VideoCodec: codec,
            VideoProfile: profile,
            PixelFormat: pixelFormat,
            BitDepth: MediaProbe.BitDepthOf(pixelFormat),
            ColorPrimaries: ColorCodes.Primaries(primaries ?? 2),
            ColorTransfer: transferName,
            ColorSpace: ColorCodes.Matrix(matrix ?? 2),
            ColorRange: ColorCodes.Range(fullRange),
            RealFrameRate: realRate,
            AverageFrameRate: averageRate,
            FrameCount: frames,
            HasAudio: audio is not null,
            AudioCodec: audioCodec,
            SizeBytes: length,
            Hdr10: hdr10,
            ContainerDuration: TimeSpan.FromMilliseconds(containerMicroseconds / 1000));
    }

    private static SourceInfo? No(string why, out string reason)
    {
        reason = why;
        return null;
    }

    /// <summary>
    /// The stream duration ffprobe reports, in media ticks: the sum of the decoding deltas, or with one edit (rate 1, not
    /// empty) the shorter of that and the edit's length. Null for what this reader leaves to ffprobe: several edits, an
    /// empty or slowed edit, an edit that trims more than the last frame, a media header shorter than the deltas (a longer
    /// one, as ffmpeg writes when the last frame's delta is 0, is what ffprobe ignores).
    /// </summary>
    private static ulong? Ticks(MovieBoxes movie, MovieTrack video)
    {
        var sum = video.SampleTicks;
        if (video.MediaDuration < sum) return null;
        if (video.Edits is not { Length: > 0 } edits) return sum;
        if (edits.Length != 1) return null;
        var (duration, mediaTime, rate) = edits[0];
        if (rate != 0x10000 || mediaTime < 0 || movie.Timescale == 0 || duration > uint.MaxValue) return null;
        var shown = ((duration * video.Timescale) + (movie.Timescale / 2)) / movie.Timescale;
        var longest = video.TimeToSample.Max(e => (ulong)e.Delta);
        return shown >= sum ? sum : shown + longest >= sum ? shown : null;
    }

    /// <summary>ffmpeg's duration for the average rate: the deltas' sum, a long last sample of a long track counted as an average one.</summary>
    private static long FpsTicks((uint Count, uint Delta)[] stts)
    {
        long duration = 0, count = 0;
        for (var i = 0; i < stts.Length; i++)
        {
            long delta = (int)stts[i].Delta;
            if (i + 1 == stts.Length && i > 0 && stts[i].Count == 1 && count > 100 && delta / 10 > duration / count) delta = duration / count;
            duration += delta * stts[i].Count;
            count += stts[i].Count;
        }

        return duration;
    }

    /// <summary><c>av_reduce</c> when the reduced ratio fits 32 bits (else null).</summary>
    private static string? Reduce(long numerator, long denominator)
    {
        if (numerator <= 0 || denominator <= 0) return null;
        var gcd = (long)System.Numerics.BigInteger.GreatestCommonDivisor(numerator, denominator);
        var (n, d) = (numerator / gcd, denominator / gcd);
        return n > int.MaxValue || d > int.MaxValue ? null : string.Create(CultureInfo.InvariantCulture, $"{n}/{d}");
    }

    /// <summary>0, 90, 180 or 270 for a matrix that only rotates (as ffprobe's display matrix rotation, normalized); null otherwise.</summary>
    private static int? Rotation(int[]? m)
    {
        if (m is null) return 0;
        if (m[2] != 0 || m[5] != 0 || m[8] != 0x40000000) return null;
        const int One = 0x10000;
        return (m[0], m[1], m[3], m[4]) switch
        {
            (One, 0, 0, One) => 0,
            (0, -One, One, 0) => 90,
            (-One, 0, 0, -One) => 180,
            (0, One, -One, 0) => 270,
            _ => null,
        };
    }

    /// <summary>The NAL units of the video's first sample.</summary>
    private static List<byte[]> FirstSampleNals(SafeFileHandle file, MovieTrack video, int lengthSize)
    {
        var size = video.SampleSizes[0];
        if (video.ChunkOffsets.Length == 0 || size <= 0 || size > 64 << 20) throw new Mp4FormatException("the first video frame cannot be read");
        var sample = new byte[size];
        if (RandomAccess.Read(file, sample, video.ChunkOffsets[0]) != size) throw new Mp4FormatException("the file ended inside the first video frame");
        var nals = new List<byte[]>();
        for (var at = 0; at < sample.Length;)
        {
            if (sample.Length - at < lengthSize) throw new Mp4FormatException("the first video frame ends inside a NAL length field");
            long nal = 0;
            for (var i = 0; i < lengthSize; i++) nal = (nal << 8) | sample[at + i];
            at += lengthSize;
            if (nal == 0 || nal > sample.Length - at) throw new Mp4FormatException("the first video frame holds a NAL unit that runs past it");
            nals.Add(sample.AsSpan(at, (int)nal).ToArray());
            at += (int)nal;
        }

        return nals;
    }
}
