using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace RenderFarm.Agent.Media.Mp4;

/// <summary>
/// Reads a rendered MP4/MOV in process, as its muxer wrote it, instead of starting ffprobe: the file's boxes tile it
/// exactly, the movie box is there and unfragmented, every sample of every track lies inside the media data, and the
/// video's samples have the codec's structure (H.264/HEVC: length-prefixed NAL units that fill each sample exactly;
/// ProRes: each frame's own size and <c>icpf</c> header), the first one a keyframe. The frame count is the video
/// track's sample count, which is what <c>ffprobe -count_packets</c> counts in such a file.
/// </summary>
public static class Mp4Reader
{
    /// <summary>The extensions whose files are ISO base media (MP4, MOV).</summary>
    public static bool Handles(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".mp4" or ".m4v" or ".mov";

    /// <exception cref="Mp4FormatException">The file is not whole, or its video is not what its sample entry says.</exception>
    public static Mp4Facts Read(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(file);
    }

    /// <exception cref="Mp4FormatException">The file is not whole, or its video is not what its sample entry says.</exception>
    public static Mp4Facts Read(SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        var movie = MovieBoxes.Read(file, length);
        var video = movie.Tracks.FirstOrDefault(t => t.Handler == "vide")
            ?? throw new Mp4FormatException("the movie has no video track");
        if (video.SampleCount == 0) throw new Mp4FormatException("the video track has no frames");
        foreach (var track in movie.Tracks) CheckPlaces(track, movie.MediaData);

        var codec = VideoCodec(video.Format);
        H264Sps? sps = null;
        ProResFrameHeader? prores = null;
        var lengthSize = 0;
        if (codec == "h264")
        {
            if (video.DecoderConfig is null) throw new Mp4FormatException($"the H.264 sample entry '{video.Format}' has no decoder configuration (avcC)");
            (sps, lengthSize) = H264Sps.FromAvcC(video.DecoderConfig);
        }
        else if (codec == "hevc")
        {
            if (video.DecoderConfig is not { Length: >= 23 } hvcC) throw new Mp4FormatException($"the HEVC sample entry '{video.Format}' has no decoder configuration (hvcC)");
            lengthSize = (hvcC[21] & 3) + 1;
        }

        if (video.SyncSamples is { } sync && (sync.Length == 0 || sync[0] != 1)) throw new Mp4FormatException("the first video frame is not a keyframe");
        if (lengthSize > 0) CheckNalSamples(file, video, lengthSize, codec);
        else if (codec == "prores") prores = CheckProResSamples(file, video);

        var audio = movie.Tracks.FirstOrDefault(t => t.Handler == "soun" && t.SampleCount > 0);
        var seconds = video.Timescale > 0 ? (double)video.SampleTicks / video.Timescale : 0;
        var averageRate = video.SampleTicks > 0 ? Ratio((long)video.SampleCount * video.Timescale, (long)video.SampleTicks) : string.Empty;
        var colr = video.Colr;
        var info = new SourceInfo(
            Width: sps?.Width ?? prores?.Width ?? video.Width,
            Height: sps?.Height ?? prores?.Height ?? video.Height,
            Rotation: video.Upright ? 0 : -1,
            Duration: TimeSpan.FromSeconds(seconds),
            VideoCodec: codec,
            VideoProfile: sps?.ProfileName ?? (prores is not null ? ProResFrameHeader.ProfileOf(video.Format) : string.Empty),
            PixelFormat: sps?.PixelFormat ?? prores?.PixelFormat ?? string.Empty,
            BitDepth: sps?.BitDepth ?? (prores is not null ? 10 : null),
            ColorPrimaries: ColorCodes.Primaries(sps?.Primaries ?? prores?.Primaries ?? colr?.Primaries ?? 2),
            ColorTransfer: ColorCodes.Transfer(sps?.Transfer ?? prores?.Transfer ?? colr?.Transfer ?? 2),
            ColorSpace: ColorCodes.Matrix(sps?.Matrix ?? prores?.Matrix ?? colr?.Matrix ?? 2),
            ColorRange: ColorCodes.Range(sps?.FullRange ?? (prores is not null ? false : colr?.FullRange)),
            RealFrameRate: averageRate,
            AverageFrameRate: averageRate,
            FrameCount: video.SampleCount,
            HasAudio: audio is not null,
            AudioCodec: audio is null ? string.Empty : AudioCodec(audio),
            SizeBytes: length);
        return new Mp4Facts(info, Complete: (sps is not null || prores is not null) && video.Upright && (audio is null || info.AudioCodec.Length > 0), audio?.SampleCount ?? 0);
    }

    /// <summary>ffprobe's codec name for a video sample entry.</summary>
    public static string VideoCodec(string fourcc) => fourcc switch
    {
        "avc1" or "avc3" => "h264",
        "hvc1" or "hev1" => "hevc",
        "apco" or "apcs" or "apcn" or "apch" or "ap4h" or "ap4x" => "prores",
        "AVdn" or "AVdh" => "dnxhd",
        "av01" => "av1",
        "mp4v" => "mpeg4",
        _ => fourcc.Trim(),
    };

    /// <summary>ffprobe's codec name for an audio track; empty when only ffprobe can tell.</summary>
    internal static string AudioCodec(MovieTrack audio) => audio.Format switch
    {
        "mp4a" => audio.AudioObjectType switch { 0x40 or 0x66 or 0x67 or 0x68 => "aac", 0x69 or 0x6B => "mp3", _ => string.Empty },
        "Opus" => "opus",
        "fLaC" => "flac",
        "ac-3" => "ac3",
        "sowt" => "pcm_s16le",
        "twos" => "pcm_s16be",
        "in24" => audio.LittleEndian ? "pcm_s24le" : "pcm_s24be",
        "in32" => audio.LittleEndian ? "pcm_s32le" : "pcm_s32be",
        _ => string.Empty,
    };

    /// <summary>Every chunk of the track lies inside one media data box.</summary>
    private static void CheckPlaces(MovieTrack track, IReadOnlyList<(long Start, long End)> mediaData)
    {
        var sample = 0;
        for (var c = 0; c < track.ChunkOffsets.Length; c++)
        {
            var start = track.ChunkOffsets[c];
            var end = start;
            for (var i = 0; i < track.ChunkSamples[c]; i++) end += track.SampleSizes[sample++];
            if (!mediaData.Any(m => start >= m.Start && end <= m.End))
            {
                throw new Mp4FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"a '{track.Handler}' track's chunk {c + 1} (bytes {start}-{end}) lies outside the media data: the file is cut or damaged"));
            }
        }
    }

    /// <summary>Each video sample is a run of length-prefixed NAL units that ends exactly at the sample's end; the first holds an IDR/IRAP picture.</summary>
    private static void CheckNalSamples(SafeFileHandle file, MovieTrack video, int lengthSize, string codec)
    {
        var sample = 0;
        for (var c = 0; c < video.ChunkOffsets.Length; c++)
        {
            var count = video.ChunkSamples[c];
            long size = 0;
            for (var i = 0; i < count; i++) size += video.SampleSizes[sample + i];
            var buffer = ArrayPool<byte>.Shared.Rent((int)size);
            try
            {
                if (RandomAccess.Read(file, buffer.AsSpan(0, (int)size), video.ChunkOffsets[c]) != size) throw new Mp4FormatException("the file ended while its frames were read");
                var at = 0;
                for (var i = 0; i < count; i++, sample++)
                {
                    var frame = buffer.AsSpan(at, (int)video.SampleSizes[sample]);
                    at += frame.Length;
                    var keyPicture = CheckNalUnits(frame, lengthSize, codec, sample);
                    if (sample == 0 && !keyPicture) throw new Mp4FormatException($"the first video frame holds no {(codec == "h264" ? "IDR" : "IRAP")} picture: it cannot be decoded on its own");
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <returns>Whether the sample holds a picture a decoder can start from.</returns>
    private static bool CheckNalUnits(ReadOnlySpan<byte> frame, int lengthSize, string codec, int sample)
    {
        var key = false;
        var at = 0;
        if (frame.IsEmpty) throw new Mp4FormatException($"video frame {sample + 1} is empty");
        while (at < frame.Length)
        {
            if (frame.Length - at < lengthSize) throw new Mp4FormatException($"video frame {sample + 1} ends inside a NAL length field");
            long nal = 0;
            for (var i = 0; i < lengthSize; i++) nal = (nal << 8) | frame[at + i];
            at += lengthSize;
            if (nal == 0 || nal > frame.Length - at) throw new Mp4FormatException($"video frame {sample + 1} holds a NAL unit of {nal} bytes where {frame.Length - at} are left: the frame is damaged");
            var header = frame[at];
            if ((header & 0x80) != 0) throw new Mp4FormatException($"video frame {sample + 1} holds a NAL unit with its forbidden bit set: the frame is damaged");
            key |= codec == "h264" ? (header & 0x1F) == 5 : ((header >> 1) & 0x3F) is >= 16 and <= 21;
            at += (int)nal;
        }

        return key;
    }

    /// <summary>Each ProRes frame starts with its own size (the sample's) and <c>icpf</c>; returns the first frame's header.</summary>
    private static ProResFrameHeader CheckProResSamples(SafeFileHandle file, MovieTrack video)
    {
        ProResFrameHeader? first = null;
        Span<byte> head = stackalloc byte[ProResFrameHeader.Length];
        var sample = 0;
        for (var c = 0; c < video.ChunkOffsets.Length; c++)
        {
            var at = video.ChunkOffsets[c];
            for (var i = 0; i < video.ChunkSamples[c]; i++, sample++)
            {
                var size = video.SampleSizes[sample];
                if (size < ProResFrameHeader.Length || RandomAccess.Read(file, head, at) < head.Length) throw new Mp4FormatException($"video frame {sample + 1} is too short for a ProRes frame");
                var header = ProResFrameHeader.Parse(head);
                if (header.FrameSize != size) throw new Mp4FormatException($"video frame {sample + 1} says it is {header.FrameSize} bytes, its sample is {size}: the frame is damaged");
                first ??= header;
                at += size;
            }
        }

        return first!;
    }

    private static string Ratio(long numerator, long denominator)
    {
        var gcd = (long)System.Numerics.BigInteger.GreatestCommonDivisor(numerator, denominator);
        return string.Create(CultureInfo.InvariantCulture, $"{numerator / gcd}/{denominator / gcd}");
    }
}
