using RenderFarm.Agent.Media;
using RenderFarm.Agent.Media.Mp4;

namespace RenderFarm.Agent.Tests.Media.Mp4;

public sealed class Mp4ReaderTests
{
    public static TheoryData<string> Outputs => [.. Mp4Outputs.Names];

    [Theory]
    [MemberData(nameof(Outputs))]
    public async Task Read_RealOutput_SaysWhatFfprobeSays(string name)
    {
        var path = await Mp4Outputs.PathAsync(name);

        var facts = Mp4Reader.Read(path);
        var probed = await MediaProbe.ProbeAsync(path, CancellationToken.None, countFrames: true);

        var read = facts.Info;
        Assert.Equal(probed.FrameCount, read.FrameCount);
        Assert.Equal((probed.VideoCodec, probed.Width, probed.Height), (read.VideoCodec, read.Width, read.Height));
        Assert.Equal((probed.HasAudio, probed.AudioCodec), (read.HasAudio, read.AudioCodec));
        Assert.Equal(probed.Duration.TotalSeconds, read.Duration.TotalSeconds, 0.001);
        Assert.True(FrameRate.TryParse(probed.AverageFrameRate, out var avg) && FrameRate.TryParse(read.AverageFrameRate, out var mine)
            && Math.Abs(avg.Value - mine.Value) < avg.Value * 0.001, $"ffprobe {probed.AverageFrameRate}, read {read.AverageFrameRate}");
        Assert.Equal(probed.SizeBytes, read.SizeBytes);
        if (facts.Complete)
        {
            Assert.Equal(
                (probed.PixelFormat, probed.ColorPrimaries, probed.ColorTransfer, probed.ColorSpace, probed.ColorRange, probed.VideoProfile, probed.Rotation),
                (read.PixelFormat, read.ColorPrimaries, read.ColorTransfer, read.ColorSpace, read.ColorRange, read.VideoProfile, read.Rotation));
        }
    }

    [Theory]
    [InlineData("h264-aac.mp4", true)]
    [InlineData("h264-vfr.mp4", true)]
    [InlineData("prores-hq.mov", true)]
    [InlineData("prores-pcm24.mov", true)]
    [InlineData("hevc-hlg.mp4", false)]
    public async Task Read_RealOutput_IsCompleteForH264AndProResOnly(string name, bool complete)
    {
        var facts = Mp4Reader.Read(await Mp4Outputs.PathAsync(name));

        Assert.Equal(complete, facts.Complete);
    }
}
