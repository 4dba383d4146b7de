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
            HasAudio = s.HasAudio, AudioCodec = s.AudioCodec, SizeBytes = s.SizeBytes, Hdr10 = ToMessage(s.Hdr10),
            ContainerDurationSeconds = s.ContainerDuration?.TotalSeconds ?? 0,
        };
    }

    public static SourceInfo ToSourceInfo(this SourceFacts f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new SourceInfo(
            f.Width, f.Height, f.Rotation, TimeSpan.FromSeconds(f.DurationSeconds), f.VideoCodec, f.VideoProfile, f.PixelFormat,
            f.BitDepth > 0 ? f.BitDepth : null, f.ColorPrimaries, f.ColorTransfer, f.ColorSpace, f.ColorRange,
            f.RealFrameRate, f.AverageFrameRate, f.FrameCount > 0 ? f.FrameCount : null, f.HasAudio, f.AudioCodec, f.SizeBytes,
            FromMessage(f.Hdr10), f.ContainerDurationSeconds > 0 ? TimeSpan.FromSeconds(f.ContainerDurationSeconds) : null);
    }

    private static Protos.V1.HdrStaticMetadata? ToMessage(Media.Hdr10Metadata? h)
    {
        if (h is null)
        {
            return null;
        }

        var m = new Protos.V1.HdrStaticMetadata { HasLightLevel = h.MaxCll is not null || h.MaxFall is not null, MaxCll = h.MaxCll ?? 0, MaxFall = h.MaxFall ?? 0 };
        if (h.Mastering is { } d)
        {
            m.HasMastering = true;
            (m.RedX, m.RedY, m.GreenX, m.GreenY, m.BlueX, m.BlueY, m.WhiteX, m.WhiteY) = (d.RedX, d.RedY, d.GreenX, d.GreenY, d.BlueX, d.BlueY, d.WhiteX, d.WhiteY);
            (m.MaxLuminance, m.MinLuminance) = (d.MaxLuminance, d.MinLuminance);
        }

        return m;
    }

    private static Media.Hdr10Metadata? FromMessage(Protos.V1.HdrStaticMetadata? m) =>
        m is null || (!m.HasMastering && !m.HasLightLevel)
            ? null
            : new Media.Hdr10Metadata(
                m.HasMastering ? new MasteringDisplay(m.RedX, m.RedY, m.GreenX, m.GreenY, m.BlueX, m.BlueY, m.WhiteX, m.WhiteY, m.MaxLuminance, m.MinLuminance) : null,
                m.HasLightLevel ? m.MaxCll : null,
                m.HasLightLevel ? m.MaxFall : null);
}
