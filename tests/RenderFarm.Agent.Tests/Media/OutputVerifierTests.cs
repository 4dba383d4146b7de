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

    [Theory]
    [InlineData(3.2, 96, true)]
    [InlineData(3.0333, 91, true)]
    [InlineData(3.4, 102, false)]
    [InlineData(2.8, 84, false)]
    public void Check_SourceShownPastItsVideoStream_AcceptsOutputsUpToTheContainersEndOnly(double seconds, long frames, bool accepted)
    {
        // A stream-copy cut (-t 3) of a B-frame source: its video stream reports 3.033 s, its container 3.2 s, and ffmpeg
        // renders 96 frames at 30 fps (3.2 s), the last ones those reordered past the cut.
        var expect = new RenderExpectations(
            "h264", null, "yuv420p", 960, 540, ColorTags.Bt709, new FrameRate(30, 1), 91, TimeSpan.FromSeconds(3.0333), true, "aac",
            SourceLatestEnd: TimeSpan.FromSeconds(3.2));
        var output = Good() with { Duration = TimeSpan.FromSeconds(seconds), FrameCount = frames, RealFrameRate = "30/1", AverageFrameRate = "30/1" };

        var problems = OutputVerifier.Check(output, expect);

        Assert.Equal(accepted, problems.Count == 0);
        if (!accepted) Assert.Contains(problems, p => p.Contains("the source's video lasts 3.033 to 3.2 s", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_KeptTimingOneFrameShort_IsAccepted_TwoShortIsNot()
    {
        var keep = Expect with { ConstantRate = null };

        Assert.Empty(OutputVerifier.Check(Good() with { FrameCount = 249 }, keep));
        Assert.NotEmpty(OutputVerifier.Check(Good() with { FrameCount = 248 }, keep));
    }
}
