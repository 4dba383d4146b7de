using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Tests.Media;

public sealed class OutputVerifierTests
{
    private static readonly RenderExpectations Expect = new(
        "h264", null, "yuv420p", 960, 540, ColorTags.Bt709, new FrameRate(25, 1), 250, TimeSpan.FromSeconds(10), true, "aac");

    private static SourceInfo Good() => new(
        960, 540, 0, TimeSpan.FromSeconds(10), "h264", "High", "yuv420p", 8, "bt709", "bt709", "bt709", "tv",
        "25/1", "25/1", 250, true, "aac", 1000);

    [Fact]
    public void Check_MatchingFile_HasNoProblems()
    {
        Assert.Empty(OutputVerifier.Check(Good(), Expect));
    }

    public static TheoryData<SourceInfo, string> Mismatches => new()
    {
        { Good() with { VideoCodec = "hevc" }, "video codec is 'hevc'" },
        { Good() with { PixelFormat = "yuv420p10le" }, "pixel format" },
        { Good() with { Width = 540, Height = 960 }, "picture is 540x960" },
        { Good() with { Rotation = 90 }, "rotated 90" },
        { Good() with { ColorSpace = "" }, "colour space is ''" },
        { Good() with { ColorRange = "pc" }, "colour range" },
        { Good() with { Duration = TimeSpan.FromSeconds(9) }, "duration is 9 s" },
        { Good() with { FrameCount = 240 }, "not a constant 25/1 fps" },
        { Good() with { FrameCount = 0 }, "no frames" },
        { Good() with { HasAudio = false }, "audio stream is missing" },
        { Good() with { AudioCodec = "mp3" }, "audio codec" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Check_Mismatch_NamesTheProblem(SourceInfo probed, string problem)
    {
        var problems = OutputVerifier.Check(probed, Expect);

        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_KeptTimingOneFrameShort_IsAccepted_TwoShortIsNot()
    {
        var keep = Expect with { ConstantRate = null };

        Assert.Empty(OutputVerifier.Check(Good() with { FrameCount = 249 }, keep));
        Assert.NotEmpty(OutputVerifier.Check(Good() with { FrameCount = 248 }, keep));
    }
}
