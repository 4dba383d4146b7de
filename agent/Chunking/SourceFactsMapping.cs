using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>Carries the probe's <see cref="SourceInfo"/> to the chunks as <see cref="SourceFacts"/>, and back.</summary>
public static class SourceFactsMapping
{
    public static SourceFacts ToFacts(this SourceInfo s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new SourceFacts
        {
            Width = s.Width, Height = s.Height, Rotation = s.Rotation, DurationSeconds = s.Duration.TotalSeconds,
            VideoCodec = s.VideoCodec, VideoProfile = s.VideoProfile, PixelFormat = s.PixelFormat, BitDepth = s.BitDepth ?? 0,
            ColorPrimaries = s.ColorPrimaries, ColorTransfer = s.ColorTransfer, ColorSpace = s.ColorSpace, ColorRange = s.ColorRange,
            RealFrameRate = s.RealFrameRate, AverageFrameRate = s.AverageFrameRate, FrameCount = s.FrameCount ?? 0,
            HasAudio = s.HasAudio, AudioCodec = s.AudioCodec, SizeBytes = s.SizeBytes,
        };
    }

    public static SourceInfo ToSourceInfo(this SourceFacts f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new SourceInfo(
            f.Width, f.Height, f.Rotation, TimeSpan.FromSeconds(f.DurationSeconds), f.VideoCodec, f.VideoProfile, f.PixelFormat,
            f.BitDepth > 0 ? f.BitDepth : null, f.ColorPrimaries, f.ColorTransfer, f.ColorSpace, f.ColorRange,
            f.RealFrameRate, f.AverageFrameRate, f.FrameCount > 0 ? f.FrameCount : null, f.HasAudio, f.AudioCodec, f.SizeBytes);
    }
}
