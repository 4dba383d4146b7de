using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Tests.Media;

public sealed class FfmpegCapabilitiesTests
{
    [Fact]
    public void Detect_InstalledFfmpeg_ListsTheEncodersAndFiltersWeUse()
    {
        var caps = FfmpegCapabilities.Detect();

        Assert.StartsWith("5.", caps.Version, StringComparison.Ordinal);
        foreach (var encoder in new[] { "libx264", "libx265", "libsvtav1", "prores_aw", "dnxhd", "aac", "libopus", "pcm_s24le" })
        {
            Assert.True(caps.HasEncoder(encoder), encoder);
        }

        foreach (var filter in new[] { "zscale", "tonemap", "lut3d", "curves", "exposure", "colortemperature", "colorchannelmixer", "fps", "setparams" })
        {
            Assert.True(caps.HasFilter(filter), filter);
        }

        Assert.DoesNotContain("=", caps.Encoders);
    }

    [Fact]
    public void Detect_MissingBinary_ReturnsEmpty()
    {
        var caps = FfmpegCapabilities.Detect("/nonexistent/ffmpeg");

        Assert.Equal(string.Empty, caps.Version);
        Assert.Empty(caps.Encoders);
    }
}
