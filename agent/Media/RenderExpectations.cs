using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>What the finished file must look like; <see cref="OutputVerifier"/> checks it before it is published.</summary>
/// <param name="VideoCodec">ffprobe codec name: <c>h264</c>, <c>hevc</c>, <c>av1</c>, <c>prores</c>, <c>dnxhd</c>.</param>
/// <param name="Profile">ffprobe profile where it tells presets apart (ProRes, DNxHR), else null.</param>
/// <param name="PixelFormat">ffprobe pixel format, e.g. <c>yuv422p10le</c>.</param>
/// <param name="Width">Picture width.</param>
/// <param name="Height">Picture height.</param>
/// <param name="Color">The four colour tags.</param>
/// <param name="ConstantRate">The constant frame rate, or null when the source timing is kept.</param>
/// <param name="ExpectedFrameCount">Source duration x rate for constant rate, the source's frame count when timing is kept (null if unknown).</param>
/// <param name="SourceDuration">Duration of the source video.</param>
/// <param name="HasAudio">Whether the output has an audio stream.</param>
/// <param name="AudioCodec">ffprobe name of the audio codec, empty without audio.</param>
/// <param name="FrameRateReason">How the frame rate was chosen, for the job's details.</param>
/// <param name="SourceLatestEnd">
/// The latest the source's video may end as shown (<see cref="SourceInfo.LatestVideoEnd"/>) when that is past
/// <paramref name="SourceDuration"/>: the output may last up to it; null when the video ends at SourceDuration.
/// </param>
public sealed record RenderExpectations(
    string VideoCodec,
    string? Profile,
    string PixelFormat,
    int Width,
    int Height,
    ColorTags Color,
    FrameRate? ConstantRate,
    long? ExpectedFrameCount,
    TimeSpan SourceDuration,
    bool HasAudio,
    string AudioCodec,
    string FrameRateReason = "",
    TimeSpan? SourceLatestEnd = null)
{
    /// <summary>The latest the output's video may end: <see cref="SourceLatestEnd"/> when it is past the source's duration.</summary>
    public TimeSpan LatestEnd => SourceLatestEnd is { } end && end > SourceDuration ? end : SourceDuration;
}
