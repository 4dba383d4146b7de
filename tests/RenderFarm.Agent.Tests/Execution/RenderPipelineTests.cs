using System.Diagnostics;
using Xunit.Abstractions;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

public sealed class RenderPipelineTests(ITestOutputHelper log) : IDisposable
{
    private const string Hostile = "it's a \"clip\": take 1, v2; [final] =x";

    private readonly TempDir _dir = new("pipeline");
    private readonly RenderPipeline _pipeline = new(NullLogger<RenderPipeline>.Instance);

    public void Dispose() => _dir.Dispose();

    private Task<OutputInfo> RunAsync(string input, string output, OutputSettings settings, Grade? grade = null, string? lut = null, bool overwrite = false, Action<RenderProgress>? progress = null, CancellationToken token = default) =>
        _pipeline.RunAsync(new RenderRequest(Guid.NewGuid().ToString("N"), input, output, lut, settings, grade, overwrite), progress ?? (_ => { }), token);

    private static async Task<Dictionary<string, string>> VideoAsync(string path)
    {
        var stream = await Ffprobe.StreamAsync(path) ?? throw new InvalidOperationException("no video");
        return stream.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }

    /// <summary>Ids of processes (ffmpeg) whose working directory is inside <paramref name="dir"/>, read from /proc.</summary>
    private static List<string> ProcessesWorkingIn(string dir)
    {
        var found = new List<string>();
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(proc), out _) && new FileInfo(Path.Combine(proc, "cwd")).LinkTarget is { } cwd
                    && cwd.StartsWith(dir, StringComparison.Ordinal))
                {
                    found.Add(Path.GetFileName(proc));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static void AssertNoScratch(string dir) =>
        Assert.Empty(Directory.GetDirectories(dir, RenderPipeline.ScratchPrefix + "*"));

    [Theory]
    [InlineData(Preset.H264Proxy540P, ".mp4", "h264", null, "yuv420p", "aac")]
    [InlineData(Preset.H264Proxy720P, ".mp4", "h264", null, "yuv420p", "aac")]
    [InlineData(Preset.Prores422Proxy, ".mov", "prores", "Proxy", "yuv422p10le", "pcm_s24le")]
    [InlineData(Preset.Prores422Lt, ".mov", "prores", "LT", "yuv422p10le", "pcm_s24le")]
    [InlineData(Preset.Prores422, ".mov", "prores", "Standard", "yuv422p10le", "pcm_s24le")]
    [InlineData(Preset.Prores422Hq, ".mov", "prores", "HQ", "yuv422p10le", "pcm_s24le")]
    [InlineData(Preset.DnxhrLb, ".mov", "dnxhd", "DNXHR LB", "yuv422p", "pcm_s24le")]
    [InlineData(Preset.DnxhrSq, ".mov", "dnxhd", "DNXHR SQ", "yuv422p", "pcm_s24le")]
    [InlineData(Preset.DnxhrHq, ".mxf", "dnxhd", "DNXHR HQ", "yuv422p", "pcm_s24le")]
    [InlineData(Preset.DnxhrHqx, ".mov", "dnxhd", "DNXHR HQX", "yuv422p10le", "pcm_s24le")]
    [InlineData(Preset.H264Delivery, ".mp4", "h264", "High", "yuv420p", "aac")]
    [InlineData(Preset.HevcDelivery, ".mp4", "hevc", "Main 10", "yuv420p10le", "aac")]
    [InlineData(Preset.Av1Delivery, ".mp4", "av1", null, "yuv420p10le", "opus")]
    public async Task RunAsync_EachPreset_WritesVerifiedFileWithRightCodecSizeFramesAndTags(
        Preset preset, string ext, string codec, string? profile, string pixFmt, string audio)
    {
        var output = _dir.File($"{preset}{ext}");

        var info = await RunAsync(await TestClips.SdrAsync(), output, new OutputSettings { Preset = preset });

        var v = await VideoAsync(output);
        Assert.Equal(codec, v["codec_name"]);
        if (profile is not null)
        {
            Assert.Equal(profile, v["profile"]);
        }

        Assert.Equal(pixFmt, v["pix_fmt"]);
        Assert.Equal(("320", "180"), (v["width"], v["height"]));
        Assert.Equal(("bt709", "bt709", "bt709", "tv"), (v["color_primaries"], v["color_transfer"], v["color_space"], v["color_range"]));
        Assert.Equal(60, await Ffprobe.CountFramesAsync(output));
        Assert.Equal(audio, (await Ffprobe.StreamAsync(output, "a:0"))?.GetProperty("codec_name").GetString());
        Assert.Equal((ulong)new FileInfo(output).Length, info.SizeBytes);
        Assert.Equal(60ul, info.FrameCount);
        Assert.Equal(output, info.Path);
        AssertNoScratch(_dir.Path);
    }

    [Fact]
    public async Task RunAsync_Success_ReportsSha256AndProgressUpTo100()
    {
        var output = _dir.File("proxy.mp4");
        var progress = new List<RenderProgress>();

        var info = await RunAsync(await TestClips.SdrAsync(), output, new OutputSettings { Preset = Preset.H264Proxy540P }, progress: p => { lock (progress) progress.Add(p); });

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output))), info.Sha256);
        Assert.Equal(100, progress[^1].Percent);
        Assert.Contains(progress, p => p.Frames > 0);
    }

    [Fact]
    public async Task RunAsync_IdentityLut_MatchesTheSameGradeWithoutLutAbove80Db()
    {
        var lut = _dir.File("identity.cube");
        CubeLut.Create(33, (r, g, b) => (r, g, b)).WriteCanonical(lut);
        var grade = new Grade { Exposure = 0.3, Temperature = 6000 };
        var settings = new OutputSettings { Preset = Preset.Prores422Hq, AudioCodec = AudioCodec.None };
        var source = await TestClips.SdrAsync();

        await RunAsync(source, _dir.File("without.mov"), settings, grade);
        await RunAsync(source, _dir.File("with.mov"), settings, grade, lut);

        var psnr = await Measure.PsnrAsync(_dir.File("without.mov"), _dir.File("with.mov"));
        log.WriteLine($"identity LUT PSNR: {psnr} dB");
        Assert.True(psnr >= 80, $"identity LUT PSNR {psnr} dB");
    }

    [Fact]
    public async Task RunAsync_WarmLut_LowersCbMeanAndKeepsLuma()
    {
        var lut = _dir.File("warm.cube");
        CubeLut.Create(17, (r, g, b) => (Math.Min(1f, r * 1.1f), g, b * 0.8f)).WriteCanonical(lut);
        var settings = new OutputSettings { Preset = Preset.H264Proxy540P, AudioCodec = AudioCodec.None };
        var source = await TestClips.SdrAsync();

        await RunAsync(source, _dir.File("plain.mp4"), settings);
        await RunAsync(source, _dir.File("warm.mp4"), settings, lut: lut);

        var plain = await Measure.SignalStatsAsync(_dir.File("plain.mp4"));
        var warm = await Measure.SignalStatsAsync(_dir.File("warm.mp4"));
        log.WriteLine($"warm LUT: Y {plain.YAvg:0.00} -> {warm.YAvg:0.00}, Cb {plain.UAvg:0.00} -> {warm.UAvg:0.00}, Cr {plain.VAvg:0.00} -> {warm.VAvg:0.00}");
        Assert.True(plain.UAvg - warm.UAvg >= 4, $"Cb {plain.UAvg:0.00} -> {warm.UAvg:0.00}");
        Assert.True(Math.Abs(plain.YAvg - warm.YAvg) < 2, $"Y {plain.YAvg:0.00} -> {warm.YAvg:0.00}");
    }

    [Fact]
    public async Task RunAsync_PhoneHlgToProxy_ToneMapsToBt709ConstantRate()
    {
        var output = _dir.File("hlg-proxy.mp4");

        await RunAsync(await TestClips.PhoneHlgAsync(), output, new OutputSettings { Preset = Preset.H264Proxy540P });

        var v = await VideoAsync(output);
        Assert.Equal(("bt709", "bt709", "bt709", "tv"), (v["color_primaries"], v["color_transfer"], v["color_space"], v["color_range"]));
        Assert.Equal("yuv420p", v["pix_fmt"]);
        Assert.Equal(v["r_frame_rate"], v["avg_frame_rate"]);
        var stats = await Measure.SignalStatsAsync(output);
        Assert.InRange(stats.YAvg, 40, 200);
    }

    [Fact]
    public async Task RunAsync_PhoneHlgToHevcKeep_KeepsHlgTagsAnd10Bit()
    {
        var output = _dir.File("hlg.mp4");

        await RunAsync(await TestClips.PhoneHlgAsync(), output, new OutputSettings { Preset = Preset.HevcDelivery, HdrMode = HdrMode.Keep });

        var v = await VideoAsync(output);
        Assert.Equal(("bt2020", "arib-std-b67", "bt2020nc", "tv"), (v["color_primaries"], v["color_transfer"], v["color_space"], v["color_range"]));
        Assert.Equal("yuv420p10le", v["pix_fmt"]);
        Assert.Equal(45, await Ffprobe.CountFramesAsync(output));
    }

    [Fact]
    public async Task RunAsync_VfrToConstant25_HasDurationTimesRateFrames()
    {
        var output = _dir.File("cfr.mov");

        await RunAsync(await TestClips.PhoneHlgAsync(), output, new OutputSettings { Preset = Preset.Prores422Proxy, FrameRateMode = FrameRateMode.Constant, FrameRate = "25" });

        var v = await VideoAsync(output);
        Assert.Equal("25/1", v["r_frame_rate"]);
        Assert.Equal("25/1", v["avg_frame_rate"]);
        var frames = await Ffprobe.CountFramesAsync(output);
        var duration = await Ffprobe.VideoDurationAsync(output);
        Assert.InRange(frames, (long)Math.Round(duration * 25) - 1, (long)Math.Round(duration * 25) + 1);
        Assert.InRange(duration, 1.8, 2.1);
    }

    [Fact]
    public async Task RunAsync_RotatedPortrait_WritesUprightPortraitPicture()
    {
        var output = _dir.File("portrait.mp4");

        await RunAsync(await TestClips.RotatedPortraitAsync(), output, new OutputSettings { Preset = Preset.H264Proxy540P, MaxWidth = 90, MaxHeight = 160 });

        var v = await VideoAsync(output);
        Assert.Equal(("90", "160"), (v["width"], v["height"]));
        Assert.Equal(0, await Ffprobe.RotationAsync(output));
    }

    [Fact]
    public async Task RunAsync_UntaggedSource_IsTaggedBt709()
    {
        var output = _dir.File("untagged.mov");

        await RunAsync(await TestClips.UntaggedAsync(), output, new OutputSettings { Preset = Preset.DnxhrSq });

        var v = await VideoAsync(output);
        Assert.Equal(("bt709", "bt709", "bt709", "tv"), (v["color_primaries"], v["color_transfer"], v["color_space"], v["color_range"]));
        Assert.Equal(50, await Ffprobe.CountFramesAsync(output));
    }

    [Fact]
    public async Task RunAsync_HostileNamesEverywhere_RendersAndNoNameReachesFfmpeg()
    {
        var logger = new ListLogger<RenderPipeline>();
        var pipeline = new RenderPipeline(logger);
        var folder = Directory.CreateDirectory(_dir.File($"{Hostile} dir")).FullName;
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(folder, $"{Hostile} in.mp4"));
        var lut = Path.Combine(folder, $"{Hostile}.cube");
        CubeLut.Create(9, (r, g, b) => (r, g * 0.95f, b)).WriteCanonical(lut);
        var output = Path.Combine(folder, $"{Hostile} out.mp4");

        await pipeline.RunAsync(new RenderRequest("a1", input, output, lut, new OutputSettings { Preset = Preset.H264Proxy540P }, new Grade { Contrast = 1.1 }, false), _ => { }, CancellationToken.None);

        Assert.Equal("h264", (await VideoAsync(output))["codec_name"]);
        var rendering = Assert.Single(logger.Messages, m => m.Contains("-vf", StringComparison.Ordinal));
        var ffmpegArgs = rendering[rendering.IndexOf(": ffmpeg ", StringComparison.Ordinal)..];
        Assert.DoesNotContain("clip", ffmpegArgs, StringComparison.Ordinal);
        Assert.DoesNotContain("final", ffmpegArgs, StringComparison.Ordinal);
        Assert.Contains("lut3d=file=grade.cube", ffmpegArgs, StringComparison.Ordinal);
        AssertNoScratch(folder);
    }

    [Fact]
    public async Task RunAsync_MalformedLut_FailsBadInputWithLineNumber()
    {
        var lut = _dir.File("bad.cube");
        await File.WriteAllTextAsync(lut, "LUT_3D_SIZE 2\n0 0 0\n1 0\n");
        var output = _dir.File("never.mp4");

        var ex = await Assert.ThrowsAsync<RenderFailedException>(async () =>
            await RunAsync(await TestClips.SdrAsync(), output, new OutputSettings { Preset = Preset.H264Proxy540P }, lut: lut));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Contains("line 3: expected 3 numbers, found 2", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        AssertNoScratch(_dir.Path);
    }

    [Fact]
    public async Task RunAsync_MissingInput_FailsBadInput()
    {
        var ex = await Assert.ThrowsAsync<RenderFailedException>(() =>
            RunAsync(_dir.File("nope.mov"), _dir.File("out.mp4"), new OutputSettings { Preset = Preset.H264Proxy540P }));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Contains("nope.mov does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OutputIsAHardLinkToTheInput_FailsBadInputAndLeavesTheInputAlone()
    {
        var input = _dir.File("in.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var output = _dir.File("other-name.mp4");
        Assert.Equal(0, (await ProcessRunner.RunAsync("ln", [input, output])).ExitCode);
        var before = SHA256.HashData(await File.ReadAllBytesAsync(input));

        var ex = await Assert.ThrowsAsync<RenderFailedException>(() =>
            RunAsync(input, output, new OutputSettings { Preset = Preset.H264Proxy540P }, overwrite: true));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Contains("own input", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(await File.ReadAllBytesAsync(input)));
        Assert.Equal(before, SHA256.HashData(await File.ReadAllBytesAsync(output)));
        AssertNoScratch(_dir.Path);
    }

    [Fact]
    public async Task RunAsync_NotAVideo_FailsBadInput()
    {
        var input = _dir.File("text.mp4");
        await File.WriteAllTextAsync(input, "hello");

        var ex = await Assert.ThrowsAsync<RenderFailedException>(() =>
            RunAsync(input, _dir.File("out.mp4"), new OutputSettings { Preset = Preset.H264Proxy540P }));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
    }

    [Fact]
    public async Task RunAsync_InputReadInProcessButRefusedByFfmpeg_FailsBadInputWithFfprobesReason()
    {
        // A sample size past 2 GiB in the video's size table: the in-process reader has no use for it, ffmpeg refuses it.
        var bytes = await File.ReadAllBytesAsync(await TestClips.SdrAsync());
        var stsz = bytes.AsSpan().IndexOf("stsz"u8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(stsz + 16), 0xF000_0000);
        var input = _dir.File("damaged.mp4");
        await File.WriteAllBytesAsync(input, bytes);
        using (var file = LocalFiles.OpenFile(input))
        {
            Assert.NotNull(RenderFarm.Agent.Media.Mp4.Mp4SourceReader.TryRead(file.Handle, input, out _));
        }

        var ex = await Assert.ThrowsAsync<RenderFailedException>(() =>
            RunAsync(input, _dir.File("out.mp4"), new OutputSettings { Preset = Preset.H264Proxy540P }));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Contains("Invalid sample size", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("out.mp4")));
        AssertNoScratch(_dir.Path);
    }

    [Fact]
    public async Task RunAsync_InvalidFrameRate_FailsBadInputNamingField()
    {
        var ex = await Assert.ThrowsAsync<RenderFailedException>(async () =>
            await RunAsync(await TestClips.SdrAsync(), _dir.File("out.mp4"), new OutputSettings { Preset = Preset.H264Delivery, FrameRate = "abc" }));

        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.StartsWith("frame_rate:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ExistingOutput_RefusedUnlessOverwrite()
    {
        var output = _dir.File("exists.mp4");
        await File.WriteAllTextAsync(output, "old");
        var settings = new OutputSettings { Preset = Preset.H264Proxy540P };

        var ex = await Assert.ThrowsAsync<RenderFailedException>(async () => await RunAsync(await TestClips.SdrAsync(), output, settings));
        Assert.Equal(FailureClass.BadInput, ex.FailureClass);
        Assert.Equal("old", await File.ReadAllTextAsync(output));

        await RunAsync(await TestClips.SdrAsync(), output, settings, overwrite: true);
        Assert.Equal("h264", (await VideoAsync(output))["codec_name"]);
    }

    [Fact]
    public async Task RunAsync_CanceledMidRender_StopsFastAndLeavesNothing()
    {
        var output = _dir.File("canceled.mp4");
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = await TestClips.LongAsync();

        var run = RunAsync(source, output, new OutputSettings { Preset = Preset.HevcDelivery }, progress: p =>
        {
            if (p.Frames > 0)
            {
                started.TrySetResult();
            }
        }, token: cts.Token);
        await Task.WhenAny(started.Task, run, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(started.Task.IsCompleted, "the render never reported progress");
        Assert.NotEmpty(ProcessesWorkingIn(_dir.Path));
        var stopwatch = Stopwatch.StartNew();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        log.WriteLine($"canceled in {stopwatch.Elapsed.TotalSeconds:0.00} s");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Empty(ProcessesWorkingIn(_dir.Path));
        Assert.False(File.Exists(output));
        AssertNoScratch(_dir.Path);
    }
}
