using RenderFarm.Agent.Media;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media;

public sealed class MediaProbeTests
{
    [Fact]
    public async Task ProbeAsync_PhoneHlg_ReportsHdrVfr10BitAndTags()
    {
        var info = await MediaProbe.ProbeAsync(await TestClips.PhoneHlgAsync(), CancellationToken.None);

        Assert.Equal("hevc", info.VideoCodec);
        Assert.Equal("yuv420p10le", info.PixelFormat);
        Assert.Equal(10, info.BitDepth);
        Assert.Equal(("bt2020", "arib-std-b67", "bt2020nc", "tv"), (info.ColorPrimaries, info.ColorTransfer, info.ColorSpace, info.ColorRange));
        Assert.True(info.IsHdr);
        Assert.True(info.IsVariableFrameRate, $"r={info.RealFrameRate} avg={info.AverageFrameRate}");
        Assert.Equal("30/1", info.RealFrameRate);
        Assert.True(info.HasAudio);
        Assert.Equal(45, info.FrameCount);
    }

    [Fact]
    public async Task ProbeAsync_Untagged_ReturnsEmptyTagsAndConstantRate()
    {
        var info = await MediaProbe.ProbeAsync(await TestClips.UntaggedAsync(), CancellationToken.None);

        Assert.Equal(string.Empty, info.ColorPrimaries);
        Assert.Equal(string.Empty, info.ColorTransfer);
        Assert.Equal(string.Empty, info.ColorSpace);
        Assert.False(info.IsHdr);
        Assert.False(info.IsVariableFrameRate);
        Assert.Equal(8, info.BitDepth);
        Assert.Equal(2.0, info.Duration.TotalSeconds, 0.05);
    }

    [Fact]
    public async Task ProbeAsync_RotatedPortrait_SwapsDisplaySize()
    {
        var info = await MediaProbe.ProbeAsync(await TestClips.RotatedPortraitAsync(), CancellationToken.None);

        Assert.True(info.Rotation is 90 or 270, $"rotation {info.Rotation}");
        Assert.Equal((TestClips.Height, TestClips.Width), (info.Width, info.Height));
        Assert.True(info.IsPortrait);
    }

    [Fact]
    public async Task ProbeAsync_HostileFileName_ProbesThroughLink()
    {
        using var dir = new TempDir("probe");
        var path = await TestClips.CopyAsync(TestClips.SdrAsync(), dir.File("it's \"a\" clip: [1], v2; x=y.mp4"));

        var info = await MediaProbe.ProbeAsync(path, CancellationToken.None);

        Assert.Equal((TestClips.Width, TestClips.Height), (info.Width, info.Height));
        Assert.Equal("bt709", info.ColorSpace);
    }

    [Fact]
    public async Task ProbeAsync_NotMedia_ThrowsMediaProbeException()
    {
        using var dir = new TempDir("probe");
        var path = dir.File("notes.mp4");
        await File.WriteAllTextAsync(path, "this is not a video");

        await Assert.ThrowsAsync<MediaProbeException>(() => MediaProbe.ProbeAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task ProbeAsync_AudioOnly_SaysNoVideoStream()
    {
        using var dir = new TempDir("probe");
        var path = dir.File("tone.m4a");
        await ProcessRunner.FfmpegAsync("-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac", path);

        var ex = await Assert.ThrowsAsync<MediaProbeException>(() => MediaProbe.ProbeAsync(path, CancellationToken.None));

        Assert.Contains("no video stream", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yuv420p", 8)]
    [InlineData("yuv422p10le", 10)]
    [InlineData("yuv420p12le", 12)]
    [InlineData("p010le", 10)]
    [InlineData("gbrp16le", 16)]
    [InlineData("", null)]
    public void BitDepthOf_PixelFormat_DerivesDepth(string pixFmt, int? depth)
    {
        Assert.Equal(depth, MediaProbe.BitDepthOf(pixFmt));
    }
}
