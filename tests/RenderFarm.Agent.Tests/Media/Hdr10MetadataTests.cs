using System.Text.Json;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Tests.Media;

public sealed class Hdr10MetadataTests
{
    // What ffprobe -show_frames prints for an x265 stream made with the master-display and max-cll below.
    private const string FrameSideData = """
        [
          {"side_data_type": "Mastering display metadata", "red_x": "34000/50000", "red_y": "16000/50000",
           "green_x": "13250/50000", "green_y": "34500/50000", "blue_x": "7500/50000", "blue_y": "3000/50000",
           "white_point_x": "15635/50000", "white_point_y": "16450/50000", "min_luminance": "1/10000", "max_luminance": "10000000/10000"},
          {"side_data_type": "Content light level metadata", "max_content": 1000, "max_average": 400},
          {"side_data_type": "H.26[45] User Data Unregistered SEI message"}
        ]
        """;

    private static Hdr10Metadata? Parse(string json) =>
        Hdr10Metadata.FromSideData(JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone()).ToList());

    [Fact]
    public void FromSideData_X265Stream_GivesBackTheEncodersParameters()
    {
        var hdr10 = Parse(FrameSideData);

        Assert.NotNull(hdr10);
        Assert.Equal(
            "hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400",
            hdr10.X265Parameters());
        Assert.Equal(1000, hdr10.PeakNits);
    }

    [Fact]
    public void FromSideData_Av1Stream_RescalesSixteenBitFractions()
    {
        var hdr10 = Parse("""
            [{"side_data_type": "Mastering display metadata", "red_x": "44564/65536", "red_y": "20972/65536", "green_x": "17367/65536",
              "green_y": "45220/65536", "blue_x": "9830/65536", "blue_y": "3932/65536", "white_point_x": "20493/65536",
              "white_point_y": "21561/65536", "min_luminance": "2/16384", "max_luminance": "256000/256"}]
            """);

        Assert.Equal(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 10000000, 1), hdr10?.Mastering);
        Assert.Null(hdr10?.MaxCll);
    }

    [Fact]
    public void FromSideData_NoHdrEntries_IsNull()
    {
        Assert.Null(Parse("""[{"side_data_type": "Display Matrix", "rotation": -90}]"""));
    }

    [Fact]
    public void SvtAv1Parameters_LightLevelOnly_WritesContentLightAlone()
    {
        Assert.Equal("content-light=800,200", new Hdr10Metadata(null, 800, 200).SvtAv1Parameters());
    }

    [Fact]
    public void SourceFacts_Hdr10_SurvivesTheTripToAChunk()
    {
        var source = Sources.PhoneHlg() with
        {
            ColorTransfer = "smpte2084",
            Hdr10 = new Hdr10Metadata(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 10000000, 1), 1000, 400),
        };

        Assert.Equal(source, source.ToFacts().ToSourceInfo());
        Assert.Null((Sources.PhoneHlg()).ToFacts().ToSourceInfo().Hdr10);
    }
}
