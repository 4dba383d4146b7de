namespace RenderFarm.Agent.Media;

/// <summary>What ffprobe says about a source (or rendered) file, with the picture size as displayed (after rotation).</summary>
/// <param name="Width">Displayed width: the coded width, swapped with the height for 90/270 degree rotations.</param>
/// <param name="Height">Displayed height.</param>
/// <param name="Rotation">Rotation of the display matrix in degrees, normalized to 0, 90, 180 or 270.</param>
/// <param name="Duration">Video stream duration (the container's when the stream has none).</param>
/// <param name="VideoCodec">ffprobe codec name, e.g. <c>hevc</c>.</param>
/// <param name="VideoProfile">ffprobe profile name, e.g. <c>Main 10</c> or <c>HQ</c>; empty when unknown.</param>
/// <param name="PixelFormat">ffprobe pixel format, e.g. <c>yuv420p10le</c>.</param>
/// <param name="BitDepth">Bits per component derived from the pixel format; null when it cannot be told.</param>
/// <param name="ColorPrimaries">e.g. <c>bt2020</c>; empty when untagged.</param>
/// <param name="ColorTransfer">e.g. <c>arib-std-b67</c>; empty when untagged.</param>
/// <param name="ColorSpace">The YUV matrix, e.g. <c>bt709</c>; empty when untagged.</param>
/// <param name="ColorRange"><c>tv</c> or <c>pc</c>; empty when untagged.</param>
/// <param name="RealFrameRate">ffprobe <c>r_frame_rate</c>, e.g. <c>30/1</c>.</param>
/// <param name="AverageFrameRate">ffprobe <c>avg_frame_rate</c>.</param>
/// <param name="FrameCount">Video frames (nb_frames, or counted packets when asked for); null when unknown.</param>
/// <param name="HasAudio">Whether the file has an audio stream.</param>
/// <param name="AudioCodec">ffprobe codec name of the first audio stream; empty without audio.</param>
/// <param name="SizeBytes">File size in bytes.</param>
/// <param name="Hdr10">HDR10 mastering display and content light level of a PQ source; null when it has none (or is not PQ).</param>
/// <param name="ContainerDuration">
/// The container's duration (for MP4/MOV the movie's: its longest track as shown, after edit lists); null when unknown.
/// Longer than <paramref name="Duration"/> when frames are shown after the video stream's last decode time (a stream-copy
/// cut of a source with B-frames) or when another stream lasts longer.
/// </param>
public sealed record SourceInfo(
    int Width,
    int Height,
    int Rotation,
    TimeSpan Duration,
    string VideoCodec,
    string VideoProfile,
    string PixelFormat,
    int? BitDepth,
    string ColorPrimaries,
    string ColorTransfer,
    string ColorSpace,
    string ColorRange,
    string RealFrameRate,
    string AverageFrameRate,
    long? FrameCount,
    bool HasAudio,
    string AudioCodec,
    long SizeBytes,
    Hdr10Metadata? Hdr10 = null,
    TimeSpan? ContainerDuration = null)
{
    /// <summary>True when r_frame_rate and avg_frame_rate differ (phones often record variable frame rate).</summary>
    public bool IsVariableFrameRate =>
        FrameRate.TryParse(RealFrameRate, out var r) && FrameRate.TryParse(AverageFrameRate, out var avg)
            ? !r.ApproximatelyEquals(avg)
            : RealFrameRate != AverageFrameRate;

    /// <summary>
    /// The latest the video may end as shown: <see cref="Duration"/>, or the container's duration when that is longer.
    /// ffprobe's video stream duration ends with the frame decoded last; a stream-copy cut of a source with B-frames
    /// shows frames after it (reordered past the cut), up to the container's end, and ffmpeg renders them.
    /// </summary>
    public TimeSpan LatestVideoEnd => ContainerDuration is { } container && container > Duration ? container : Duration;

    /// <summary>True for HLG (<c>arib-std-b67</c>) and PQ (<c>smpte2084</c>) transfers.</summary>
    public bool IsHdr => ColorTransfer is "arib-std-b67" or "smpte2084";

    /// <summary>True when the displayed picture is taller than wide.</summary>
    public bool IsPortrait => Height > Width;
}
