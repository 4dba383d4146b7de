using System.Globalization;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// Clips an editor or a phone trims by stream copy from a source with B-frames (real coordinator, real agent, real
/// ffmpeg). Such a clip shows other frames than its video stream's header says: a cut that starts between keyframes
/// keeps the frames from the keyframe before (hidden by its edit list), and a cut at a length keeps frames reordered past
/// the cut, shown after the stream's reported end, up to the container's. Each renders verified in one attempt, with the
/// frames and duration ffmpeg makes of it.
/// </summary>
public sealed class StreamCopyClipTests(ITestOutputHelper output)
{
    [Fact]
    public Task BFrameClipsCutByStreamCopy_RenderVerifiedInOneAttempt_WithTheFramesTheyShow() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-a"));
            var clips = farm.Folder("clips");

            // H.264 with B-frames (x264's defaults), cut at 0.7 s for 2 s: 83 packets from the keyframe at 0, 62 shown.
            var h264 = Path.Combine(clips, "h264.mp4");
            await ProcessRunner.FfmpegAsync("-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=4", "-f", "lavfi", "-i", "sine=f=440:d=4:sample_rate=48000",
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", h264);
            var startCut = farm.Media("in/start-cut.mp4");
            Directory.CreateDirectory(Path.GetDirectoryName(startCut)!);
            await ProcessRunner.FfmpegAsync("-ss", "0.7", "-t", "2", "-i", h264, "-map", "0", "-c", "copy", startCut);

            // HEVC with B-frames, variable rate (a phone's), cut to 3 s: its video stream reports 3.03 s, its container 3.2 s.
            var hevc = Path.Combine(clips, "hevc-vfr.mov");
            await ProcessRunner.FfmpegAsync("-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=4", "-f", "lavfi", "-i", "sine=f=440:d=4:sample_rate=48000",
                "-vf", "select='not(eq(mod(n\\,5)\\,4))'", "-fps_mode", "vfr", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
                "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", "-c:a", "aac", hevc);
            var endCut = farm.Media("in/IMG_0001.MOV");
            await ProcessRunner.FfmpegAsync("-i", hevc, "-t", "3", "-map", "0", "-c", "copy", endCut);

            var startFacts = await HeaderAsync(startCut);
            var endFacts = await HeaderAsync(endCut);
            farm.Report($"FINDING start cut: {startFacts}; end cut: {endFacts}");
            Assert.True(endFacts.Container - endFacts.Video > 0.15, $"the end cut's container should outlast its video stream: {endFacts}");
            Assert.True(startFacts.Packets > startFacts.Shown, $"the start cut should hide lead-in frames: {startFacts}");

            // Constant rate (the proxy): up to the container's end. Keeping timing (h264-delivery): every frame shown, no more.
            await RenderAsync(farm, "end-cut", endCut, farm.Media("out/IMG_0001.mp4"), Preset.H264Proxy540P,
                expectedFrames: (long)Math.Round(endFacts.Container * 30));
            await RenderAsync(farm, "start-cut", startCut, farm.Media("out/start-cut.mp4"), Preset.H264Delivery, expectedFrames: startFacts.Shown);
        });

    private static async Task RenderAsync(FaultFarm farm, string name, string input, string target, Preset preset, long expectedFrames)
    {
        var job = await farm.SubmitAsync(new JobSpec { Name = name, InputPath = input, OutputPath = target, Output = new OutputSettings { Preset = preset } });
        var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(120));
        Assert.True(done.State == JobState.Succeeded, $"job {name} ended {done.State}: {done.Error}\n{Attempts.Describe(done)}");
        Assert.Single(Attempts.Of(done));
        var frames = await Ffprobe.CountFramesAsync(target);
        var seconds = await Ffprobe.VideoDurationAsync(target);
        farm.Report($"MEASURE {name}: {frames} frames, {seconds.ToString("0.###", CultureInfo.InvariantCulture)} s; the job reports {done.Result.FrameCount} frames, {done.Result.DurationSeconds} s");
        Assert.Equal(expectedFrames, frames);
        Assert.Equal((ulong)frames, done.Result.FrameCount);
        Assert.Equal(seconds, done.Result.DurationSeconds, 0.002);
    }

    private sealed record Header(double Video, double Container, long Packets, long Shown);

    /// <summary>The clip's header facts (video stream duration, container duration, packets) and its frames shown (packets not marked discard).</summary>
    private static async Task<Header> HeaderAsync(string path)
    {
        var video = await Ffprobe.VideoDurationAsync(path);
        var format = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path]);
        var packets = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", path]);
        var flags = packets.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new Header(video, double.Parse(format.StandardOutput.Trim(), CultureInfo.InvariantCulture), flags.Length, flags.Count(f => !f.Contains('D', StringComparison.Ordinal)));
    }
}
