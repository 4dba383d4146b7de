using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Media;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Chunking;

/// <summary>Split-and-stitch on a real coordinator with two real in-process agents and real ffmpeg.</summary>
public sealed class ChunkedJobTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync()
    {
        _farm = await FarmHost.StartAsync(new Dictionary<string, string?> { ["Coordinator:Chunking:MinInputDuration"] = "00:00:00" });
        await _farm.StartAgentAsync("agent-a");
        await _farm.StartAgentAsync("agent-b");
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private async Task<Job> RunAsync(JobSpec spec)
    {
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job;
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled, TimeSpan.FromMinutes(3));
        Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
        return done;
    }

    [Fact]
    public async Task ChunkedJob_ThreeChunksOnTwoAgents_JoinsExactlyWithTheQualityOfAWholeEncode()
    {
        var input = await TestClips.CopyAsync(TestClips.ChunkableAsync(), Path.Combine(_farm.MediaDir, "reel 1.mp4"));
        var output = Path.Combine(_farm.MediaDir, "out", "reel 1.mp4");
        var settings = new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" };

        var done = await RunAsync(new JobSpec { InputPath = input, OutputPath = output, Output = settings, ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1.5)) });

        var chunks = done.Tasks.Where(t => t.Kind == TaskKind.Chunk).ToList();
        Assert.True(chunks.Count >= 3, $"{chunks.Count} chunk(s)");
        Assert.True(chunks.Select(c => c.Attempts.Single(a => a.Outcome == AttemptOutcome.Succeeded).AgentId).Distinct().Count() >= 2, "the chunks ran on one agent");
        Assert.Single(done.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.Equal(TaskState.Succeeded, done.Tasks.Single(t => t.Kind == TaskKind.Stitch).State);
        Assert.Equal(100, done.Percent);

        Assert.Equal(180, await Ffprobe.CountFramesAsync(output));
        Assert.Equal(180ul, done.Result.FrameCount);
        Assert.InRange(await Ffprobe.VideoDurationAsync(output), 6 - 1 / 30.0, 6 + 1 / 30.0);
        Assert.Equal("", await Measure.DecodeErrorsAsync(output));
        var audio = await Ffprobe.StreamAsync(output, "a:0");
        Assert.NotNull(audio);
        Assert.Equal("aac", audio.Value.GetProperty("codec_name").GetString());
        Assert.InRange(double.Parse(audio.Value.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture), 5.9, 6.1);
        Assert.Equal("bt709", await Ffprobe.VideoFieldAsync(output, "color_primaries"));

        var whole = await WholeEncodeAsync(input, settings, (int)chunks[0].Chunk.GopFrames);
        var chunkedPsnr = await Measure.PsnrAsync(input, output);
        var wholePsnr = await Measure.PsnrAsync(input, whole);
        Assert.True(Math.Abs(chunkedPsnr - wholePsnr) <= 0.1, $"chunked {chunkedPsnr:0.###} dB, whole {wholePsnr:0.###} dB");
        Assert.False(Directory.Exists(Path.Combine(_farm.MediaDir, "out", ".renderfarm-job-" + done.Id)), "the work folder is still there");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_farm.MediaDir, "out"), ".renderfarm-*"));
    }

    [Fact]
    public async Task ChunkedJob_VariableRateInputWithConstantRatePreset_MatchesTheWholeRender()
    {
        var input = await TestClips.CopyAsync(TestClips.PhoneHlgAsync(), Path.Combine(_farm.MediaDir, "vfr.mp4"));
        var settings = new OutputSettings { Preset = Preset.H264Proxy540P };

        var chunked = await RunAsync(new JobSpec { InputPath = input, OutputPath = "vfr-chunked.mp4", Output = settings, ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(0.5)) });
        var whole = await RunAsync(new JobSpec { InputPath = input, OutputPath = "vfr-whole.mp4", Output = settings, WholeFile = true });

        Assert.True(chunked.Tasks.Count(t => t.Kind == TaskKind.Chunk) >= 3);
        Assert.Single(whole.Tasks);
        var a = Path.Combine(_farm.MediaDir, "vfr-chunked.mp4");
        var b = Path.Combine(_farm.MediaDir, "vfr-whole.mp4");
        Assert.Equal(await Ffprobe.CountFramesAsync(b), await Ffprobe.CountFramesAsync(a));
        Assert.Equal(await Ffprobe.VideoFieldAsync(b, "r_frame_rate"), await Ffprobe.VideoFieldAsync(a, "avg_frame_rate"));
        Assert.InRange(await Ffprobe.VideoDurationAsync(a), await Ffprobe.VideoDurationAsync(b) - 0.045, await Ffprobe.VideoDurationAsync(b) + 0.045);
        Assert.Equal("", await Measure.DecodeErrorsAsync(a));
        Assert.True(await Measure.PsnrAsync(b, a) > 35, "the chunked render shows other frames than the whole one");
        Assert.Equal("30/1", chunked.Result.FrameRate);
        Assert.Equal("30/1", whole.Result.FrameRate);
        Assert.Equal("the standard rate nearest the variable-rate source's nominal 30 fps", chunked.Result.FrameRateReason);
    }

    [Fact]
    public async Task ChunkedJob_Hdr10PqToHevc_CarriesTheMasteringDisplayAndLightLevelThroughTheStitch()
    {
        var input = await TestClips.CopyAsync(TestClips.PhonePqAsync(), Path.Combine(_farm.MediaDir, "pq.mp4"));
        var output = Path.Combine(_farm.MediaDir, "pq-hevc.mp4");

        var done = await RunAsync(new JobSpec
        {
            InputPath = input, OutputPath = output, Output = new OutputSettings { Preset = Preset.HevcDelivery },
            ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        });

        Assert.True(done.Tasks.Count(t => t.Kind == TaskKind.Chunk) >= 2);
        Assert.Equal("smpte2084", done.Result.ColorTransfer);
        var hdr10 = (await MediaProbe.ProbeAsync(output, CancellationToken.None)).Hdr10;
        Assert.Equal(new Hdr10Metadata(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 10000000, 1), 1000, 400), hdr10);
    }

    [Fact]
    public async Task ChunkedJob_TenBitHlgWithGrade_KeepsEveryFrameAndTagsTheGrade()
    {
        var input = await TestClips.CopyAsync(TestClips.PhoneHlgAsync(), Path.Combine(_farm.MediaDir, "hlg.mp4"));
        var output = Path.Combine(_farm.MediaDir, "graded.mov");

        var done = await RunAsync(new JobSpec
        {
            InputPath = input, OutputPath = output,
            Output = new OutputSettings { Preset = Preset.HevcDelivery, BitDepth = 10 },
            Grade = new Grade { Exposure = 0.3, Saturation = 1.1 },
            ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(0.5)),
        });

        Assert.True(done.Tasks.Count(t => t.Kind == TaskKind.Chunk) >= 2);
        Assert.Equal(45, await Ffprobe.CountFramesAsync(output));
        Assert.Equal("yuv420p10le", await Ffprobe.VideoFieldAsync(output, "pix_fmt"));
        Assert.Equal("bt709", await Ffprobe.VideoFieldAsync(output, "color_transfer"));
        Assert.Equal("bt709", await Ffprobe.VideoFieldAsync(output, "color_primaries"));
        Assert.Equal("bt709", await Ffprobe.VideoFieldAsync(output, "color_space"));
        Assert.InRange(await Ffprobe.VideoDurationAsync(output), await Ffprobe.VideoDurationAsync(input) - 1 / 15.0, await Ffprobe.VideoDurationAsync(input) + 1 / 15.0);
        Assert.Equal("", await Measure.DecodeErrorsAsync(output));
    }

    [Fact]
    public async Task CancelJob_WhileChunksRender_StopsEveryChunkAndRemovesTheWorkFolder()
    {
        var input = await TestClips.CopyAsync(TestClips.LongAsync(), Path.Combine(_farm.MediaDir, "long.mp4"));
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                InputPath = input, OutputPath = "canceled.mp4", Output = new OutputSettings { Preset = Preset.Av1Delivery, Crf = 20 },
                ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            },
        })).Job;
        await _farm.WaitForJobAsync(job.Id, j => j.Tasks.Count(t => t.Kind == TaskKind.Chunk && t.State == TaskState.Running) == 2, TimeSpan.FromSeconds(90));
        Assert.True(Directory.Exists(Path.Combine(_farm.MediaDir, ".renderfarm-job-" + job.Id)));

        var canceled = (await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id })).Job;

        Assert.Equal(JobState.Canceled, canceled.State);
        Assert.All(canceled.Tasks.Where(t => t.Kind != TaskKind.Probe), t => Assert.Equal(TaskState.Canceled, t.State));
        await FarmHost.WaitUntilAsync(async () =>
            (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.All(a => a.RunningAttemptIds.Count == 0)
            && !Directory.EnumerateFileSystemEntries(_farm.MediaDir, ".renderfarm-*").Any(), TimeSpan.FromSeconds(20));
        Assert.False(File.Exists(Path.Combine(_farm.MediaDir, "canceled.mp4")));
    }

    /// <summary>The same job rendered whole by ffmpeg, with the command the agent builds and the chunks' GOP settings.</summary>
    private async Task<string> WholeEncodeAsync(string input, OutputSettings settings, int gop)
    {
        var source = await MediaProbe.ProbeAsync(input, CancellationToken.None);
        PresetCatalog.TryGet(settings.Preset, out var preset);
        var command = RenderCommandBuilder.Build(settings, null, false, source, ".mp4", input);
        var args = command.OutputArguments.ToList();
        ChunkCommands.AddStitchable(args, preset, gop);
        var whole = Path.Combine(_farm.Root, "whole.mp4");
        await ProcessRunner.FfmpegAsync(["-i", input, .. args, "-y", whole]);
        return whole;
    }
}
