using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Tests.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Chunking;

public sealed class ChunkCommandsTests
{
    private static RenderCommand Whole(Preset preset, FrameRateMode mode = FrameRateMode.Unspecified) =>
        RenderCommandBuilder.Build(new OutputSettings { Preset = preset, FrameRateMode = mode, AudioCodec = AudioCodec.None }, null, false, Sources.Sdr(), ".mp4", "input.mp4");

    [Fact]
    public void ForChunk_ConstantRate_CutsOnTheOutputGridRightAfterFps()
    {
        PresetCatalog.TryGet(Preset.H264Proxy540P, out var preset);
        var chunk = new ChunkRange { Index = 1, Count = 3, FirstFrame = 100, FrameCount = 50, StartSeconds = 4, DurationSeconds = 2, SeekSeconds = 3.5, GopFrames = 50 };

        var command = ChunkCommands.ForChunk(Whole(Preset.H264Proxy540P), chunk, preset);

        Assert.StartsWith("fps=25/1,trim=start_pts=100:end_pts=150,setpts=PTS-STARTPTS,", command.VideoFilter);
        Assert.Equal(["-copyts", "-start_at_zero", "-noaccurate_seek", "-ss", "3.5"], command.InputArguments);
        Assert.Contains("stitchable=1:mbtree=0:open-gop=0", command.OutputArguments);
        Assert.Equal("50", command.OutputArguments[command.OutputArguments.ToList().IndexOf("-g") + 1]);
        Assert.Equal(50, command.Expect.ExpectedFrameCount);
        Assert.Contains("-an", command.OutputArguments);
    }

    [Fact]
    public void ForChunk_KeepTimingLastChunk_CutsAtSourceTimeWithoutEnd()
    {
        PresetCatalog.TryGet(Preset.HevcDelivery, out var preset);
        var chunk = new ChunkRange { Index = 2, Count = 3, FirstFrame = 200, FrameCount = 50, Last = true, StartSeconds = 8, DurationSeconds = 2, SeekSeconds = 8, GopFrames = 50 };

        var command = ChunkCommands.ForChunk(Whole(Preset.HevcDelivery), chunk, preset);

        Assert.StartsWith("trim=start=7.9995,setpts=PTS-STARTPTS,", command.VideoFilter);
        Assert.Contains(command.OutputArguments, a => a.EndsWith(":keyint=50:min-keyint=50:scenecut=0:open-gop=0", StringComparison.Ordinal));
    }

    [Fact]
    public void ForChunk_Av1WithHdr10_KeepsOneSvtParameterListWithBoth()
    {
        PresetCatalog.TryGet(Preset.Av1Delivery, out var preset);
        var pq = Sources.PhoneHlg() with
        {
            ColorTransfer = "smpte2084",
            Hdr10 = new Hdr10Metadata(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 10000000, 1), 1000, 400),
        };
        var whole = RenderCommandBuilder.Build(new OutputSettings { Preset = Preset.Av1Delivery, AudioCodec = AudioCodec.None }, null, false, pq, ".mp4", "input.mp4");
        var chunk = new ChunkRange { Index = 0, Count = 2, FirstFrame = 0, FrameCount = 150, StartSeconds = 0, DurationSeconds = 5, GopFrames = 50 };

        var args = ChunkCommands.ForChunk(whole, chunk, preset).OutputArguments.ToList();

        Assert.Single(args, a => a == "-svtav1-params");
        var svt = args[args.IndexOf("-svtav1-params") + 1];
        Assert.StartsWith("mastering-display=G(0.265,0.69)", svt, StringComparison.Ordinal);
        Assert.EndsWith(":content-light=1000,400:scd=0", svt, StringComparison.Ordinal);
    }

    [Fact]
    public void ForChunk_FromAPieceOfAGradedVariableRateHlgSource_HasTheWholeRendersColourPipeline()
    {
        PresetCatalog.TryGet(Preset.H264Proxy540P, out var preset);
        var settings = new OutputSettings { Preset = Preset.H264Proxy540P, AudioCodec = AudioCodec.None };
        var grade = new Grade { Exposure = 0.5, Contrast = 1.2, Saturation = 1.1, Temperature = 5600 };
        var whole = RenderCommandBuilder.Build(settings, grade, true, Sources.PhoneHlg(), ".mp4", "input.mp4");
        var chunk = new ChunkRange
        {
            Index = 1, Count = 3, FirstFrame = 90, FrameCount = 90, StartSeconds = 3, DurationSeconds = 3, SeekSeconds = 3,
            GopFrames = 30, FrameRate = whole.Expect.ConstantRate.ToString()!,
        };
        var piece = Sources.PhoneHlg() with { AverageFrameRate = "2900/100", Duration = TimeSpan.FromSeconds(4) };

        var fromWhole = ChunkCommands.ForChunk(whole, chunk, preset).VideoFilter;
        var fromPiece = PieceCommands.ForChunk(settings, grade, true, piece, ".mp4", "input.mp4", chunk, preset).VideoFilter;

        Assert.Equal(fromWhole, fromPiece);
        Assert.Equal(whole.VideoFilter, fromWhole.Replace("trim=start_pts=90:end_pts=180,setpts=PTS-STARTPTS,", "", StringComparison.Ordinal));
    }

    [Fact]
    public void SourceFacts_RoundTrip_GiveTheProbedSourceBack()
    {
        var hlg = Sources.PhoneHlg();
        var untagged = Sources.Untagged() with { BitDepth = null, FrameCount = null };

        Assert.Equal(hlg, hlg.ToFacts().ToSourceInfo());
        Assert.Equal(untagged, untagged.ToFacts().ToSourceInfo());
    }

    [Fact]
    public void Unsteady_RepeatedOrUnevenTimestamps_AreNamed()
    {
        Assert.Null(StreamChecks.Unsteady([0, 512, 1024, 1536], constantRate: true));
        Assert.Contains("share", StreamChecks.Unsteady([0, 512, 512, 1024], constantRate: false));
        Assert.Contains("step after frame 2", StreamChecks.Unsteady([0, 512, 1024, 2048, 2560], constantRate: true));
        Assert.Null(StreamChecks.Unsteady([0, 512, 1024, 2048, 2560], constantRate: false));
    }
}
