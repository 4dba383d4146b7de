using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands.Submit;

public sealed class SubmitCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Transcode_EveryOption_SendsExactSpec()
    {
        var result = await _farmctl.RunAsync(
            "submit", "transcode", "/media/in/a.mov", "/media/out/a.mp4", "--preset", "hevc",
            "--max-width", "1920", "--max-height", "1080", "--fps", "30000/1001", "--audio", "opus", "--crf", "20",
            "--bit-depth", "10", "--hdr", "keep", "--priority", "-5", "--retries", "0", "--overwrite", "--name", "Reel 1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var expected = new JobSpec
        {
            Name = "Reel 1",
            InputPath = "/media/in/a.mov",
            OutputPath = "/media/out/a.mp4",
            Output = new OutputSettings
            {
                Preset = Preset.HevcDelivery,
                MaxWidth = 1920,
                MaxHeight = 1080,
                FrameRateMode = FrameRateMode.Constant,
                FrameRate = "30000/1001",
                AudioCodec = AudioCodec.Opus,
                Crf = 20,
                BitDepth = 10,
                HdrMode = HdrMode.Keep,
            },
            Priority = -5,
            MaxRetries = 0,
            Overwrite = true,
        };
        Assert.Equal(new SubmitJobRequest { Spec = expected }, Assert.Single(_farmctl.Farm.Submitted));
    }

    [Fact]
    public async Task Transcode_OnlyRequired_LeavesEverythingElseToTheCoordinator()
    {
        await _farmctl.RunAsync("submit", "transcode", "/media/in/a.mov", "/media/out/a.mov", "--preset", "prores-hq");

        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal(new OutputSettings { Preset = Preset.Prores422Hq }, spec.Output);
        Assert.False(spec.HasMaxRetries);
        Assert.Null(spec.Grade);
        Assert.Equal("", spec.Name);
        Assert.False(spec.Overwrite);
    }

    [Fact]
    public async Task Transcode_RelativePaths_SentAbsoluteAgainstCurrentDirectory()
    {
        await _farmctl.RunAsync("submit", "transcode", "clips/a.mov", "../out/a.mp4", "--preset", "h264");

        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal("/media/project/clips/a.mov", spec.InputPath);
        Assert.Equal("/media/out/a.mp4", spec.OutputPath);
    }

    [Theory]
    [InlineData("PRORES-HQ", Preset.Prores422Hq)]
    [InlineData("dnxhr-hqx", Preset.DnxhrHqx)]
    [InlineData("h264-proxy-540p", Preset.H264Proxy540P)]
    public async Task Transcode_PresetName_MapsToCatalogPreset(string name, Preset preset)
    {
        await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov", "--preset", name);

        Assert.Equal(preset, Assert.Single(_farmctl.Farm.Submitted).Spec.Output.Preset);
    }

    [Fact]
    public async Task Transcode_UnknownPreset_UsageErrorListsValidNamesAndSendsNothing()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov", "--preset", "prores-xq");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Unknown preset 'prores-xq'", result.Error);
        Assert.Contains("prores-hq, dnxhr-lb", result.Error);
        Assert.Contains("av1", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("auto", HdrMode.Unspecified)]
    [InlineData("sdr", HdrMode.ToneMapSdr)]
    [InlineData("keep", HdrMode.Keep)]
    public async Task Transcode_Hdr_MapsToHdrMode(string word, HdrMode mode)
    {
        await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov", "--preset", "hevc", "--hdr", word);

        Assert.Equal(mode, Assert.Single(_farmctl.Farm.Submitted).Spec.Output.HdrMode);
    }

    [Theory]
    [InlineData("aac", AudioCodec.Aac)]
    [InlineData("pcm", AudioCodec.Pcm)]
    [InlineData("none", AudioCodec.None)]
    public async Task Transcode_Audio_MapsToAudioCodec(string word, AudioCodec codec)
    {
        await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov", "--preset", "prores-lt", "--audio", word);

        Assert.Equal(codec, Assert.Single(_farmctl.Farm.Submitted).Spec.Output.AudioCodec);
    }

    [Fact]
    public async Task Transcode_KeepTiming_SetsKeepModeWithoutRate()
    {
        await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264", "--keep-timing");

        var output = Assert.Single(_farmctl.Farm.Submitted).Spec.Output;
        Assert.Equal(FrameRateMode.Keep, output.FrameRateMode);
        Assert.Equal("", output.FrameRate);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("30000/0")]
    [InlineData("-25")]
    [InlineData("25fps")]
    public async Task Transcode_BadFps_UsageErrorAndSendsNothing(string fps)
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264", $"--fps={fps}");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("is not a frame rate", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_FpsWithKeepTiming_UsageError()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264", "--fps", "25", "--keep-timing");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--fps and --keep-timing", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Theory]
    [InlineData("--bit-depth", "12")]
    [InlineData("--audio", "mp3")]
    [InlineData("--hdr", "pq")]
    [InlineData("--priority", "101")]
    public async Task Transcode_ValueOutOfChoices_UsageError(string option, string value)
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264", option, value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Grade_OnlyExposure_SetsOnlyExposure()
    {
        await _farmctl.RunAsync("submit", "grade", "a.mov", "b.mov", "--preset", "prores-hq", "--exposure", "-0.5");

        var grade = Assert.Single(_farmctl.Farm.Submitted).Spec.Grade;
        Assert.Equal(new Grade { Exposure = -0.5 }, grade);
        Assert.False(grade.HasContrast);
        Assert.False(grade.HasSaturation);
        Assert.False(grade.HasTemperature);
        Assert.Equal("", grade.LutPath);
    }

    [Fact]
    public async Task Grade_AllAdjustments_SetsEachAndMakesLutAbsolute()
    {
        await _farmctl.RunAsync(
            "submit", "grade", "a.mov", "b.mov", "--preset", "prores-422", "--lut", "luts/look.cube",
            "--exposure", "1", "--contrast", "1.2", "--saturation", "0", "--temperature", "5600", "--keep-timing");

        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal(
            new Grade { LutPath = "/media/project/luts/look.cube", Exposure = 1, Contrast = 1.2, Saturation = 0, Temperature = 5600 },
            spec.Grade);
        Assert.Equal(FrameRateMode.Keep, spec.Output.FrameRateMode);
    }

    [Fact]
    public async Task Grade_NoAdjustment_UsageErrorNamesTheOptions()
    {
        var result = await _farmctl.RunAsync("submit", "grade", "a.mov", "b.mov", "--preset", "prores-hq");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--lut, --exposure, --contrast, --saturation or --temperature", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Submit_Json_PrintsTheJobAsParsableProtoJson()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov", "--preset", "prores-hq", "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var job = Job.Parser.ParseJson(result.Out);
        Assert.Equal("job-1", job.Id);
        Assert.Equal(Assert.Single(_farmctl.Farm.Submitted).Spec, job.Spec);
    }

    [Fact]
    public async Task Submit_InvalidArgumentFromCoordinator_ExitCode3WithDetail()
    {
        _farmctl.Farm.Failure = new Grpc.Core.Status(Grpc.Core.StatusCode.InvalidArgument, "output_path /etc/x.mov is outside the media roots");

        var result = await _farmctl.RunAsync("submit", "transcode", "/etc/a.mov", "/etc/x.mov", "--preset", "prores-hq");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: InvalidArgument: output_path /etc/x.mov is outside the media roots", result.Error.Trim());
        Assert.DoesNotContain("   at ", result.Error);
    }
}
