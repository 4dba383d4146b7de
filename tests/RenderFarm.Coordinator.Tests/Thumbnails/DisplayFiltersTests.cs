using RenderFarm.Agent.Media;
using RenderFarm.Coordinator.Thumbnails;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Thumbnails;

/// <summary>The thumbnails' display chain and the agent's render chain tone-map HDR with the same filters.</summary>
public sealed class DisplayFiltersTests
{
    [Theory]
    [InlineData("arib-std-b67")]
    [InlineData("smpte2084")]
    public void For_HdrPicture_SameToneMapFiltersAsTheAgentsSdrRenderOfIt(string transfer)
    {
        var source = new SourceInfo(320, 180, 0, TimeSpan.FromSeconds(2), "hevc", "Main 10", "yuv420p10le", 10, "bt2020", transfer, "bt2020nc", "tv",
            "30/1", "30/1", 60, false, "", 1000);
        var render = VideoFilterChain.Build(source, null, 320, 180, toneMap: true, grade: null, hasLut: false, "", "yuv420p", ColorTags.Bt709).Split(',');
        // The agent's tone-map: from decoding to linear light up to the 16-bit RGB after encoding back to BT.709.
        var first = Array.FindIndex(render, f => f.StartsWith("zscale=", StringComparison.Ordinal));
        var last = Array.FindIndex(render, first, f => f == "format=gbrp16le");
        var toneMap = string.Join(',', render[first..(last + 1)]);
        Assert.Contains("tonemap=tonemap=mobius", toneMap, StringComparison.Ordinal);

        var display = DisplayFilters.For(transfer, "tv");
        var poster = PosterFrame.Filters(new PictureColour(transfer, "tv"), 320);
        var sheet = ContactSheet.Graph(6, 3, 2, 160, new PictureColour(transfer, "tv"));

        Assert.Contains(toneMap, display, StringComparison.Ordinal);
        Assert.Contains(display, poster, StringComparison.Ordinal);
        Assert.Contains(display, sheet, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bt709")]
    [InlineData("")]
    public void For_SdrPicture_NoToneMap(string transfer)
    {
        Assert.Equal("format=yuvj420p", DisplayFilters.For(transfer, "tv"));
    }

    [Fact]
    public void ContactSheetTimes_SixFramesOfTwelveSeconds_MiddlesOfEqualParts()
    {
        Assert.Equal([1.0, 3.0, 5.0, 7.0, 9.0, 11.0], ContactSheet.Times(12, 6));
    }
}
