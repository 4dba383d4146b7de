using System.Text;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// Probe facts gathered once and reused (real coordinator, real agent, real ffmpeg): a later task on an input an earlier
/// attempt probed renders without ffprobe of it, exactly as it would have after probing; a file that is not exactly the
/// one probed (rewritten in place, another input) is probed again.
/// </summary>
public sealed class ProbeReuseTests(ITestOutputHelper output)
{
    /// <summary>Longer than the agent's settle time: a probe of a file changed just before it is not kept.</summary>
    private static readonly TimeSpan Settled = TimeSpan.FromMilliseconds(300);

    [Fact]
    public Task SecondJobOnSameInput_SkipsTheProbe_AndRendersTheSameOutput() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-a"));
            // A phone's clip: HEVC 10-bit HLG with variable frame rate, so the proxy tone-maps to SDR 8-bit and snaps the rate.
            var input = await FaultClips.CopyToAsync(TestClips.PhoneHlgAsync(), farm.Media("in/phone.mp4"));
            await Task.Delay(Settled);

            var first = await RenderAsync(farm, "first", input, farm.Media("out/first.mp4"));
            var second = await RenderAsync(farm, "second", input, farm.Media("out/second.mp4"));

            Assert.Contains("probe", first);
            Assert.DoesNotContain("probe-reused", first);
            Assert.Contains("probe-reused", second);
            Assert.DoesNotContain("probe", second);
            var facts = await OutputFactsAsync(farm.Media("out/first.mp4"));
            Assert.Equal(facts, await OutputFactsAsync(farm.Media("out/second.mp4")));
            farm.Report($"FINDING probed and reused renders agree: {facts}");
            Assert.Contains("h264 yuv420p", facts, StringComparison.Ordinal);
            Assert.Contains("bt709/bt709/bt709", facts, StringComparison.Ordinal);
        });

    [Fact]
    public Task InputRewrittenInPlaceWithSameSizeAndMtime_IsProbedAgain_AndAnotherInputNeverGetsItsFacts() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-a"));
            // Raw Y4M at 30 and at 25 fps: the same size to the byte, only the header's rate differs.
            var at30 = await Y4mAsync(farm, "30");
            var at25 = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(at30).Replace(" F30:1 ", " F25:1 ", StringComparison.Ordinal));
            Assert.Equal(at30.Length, at25.Length);
            var input = farm.Media("in/clip.y4m");
            Directory.CreateDirectory(Path.GetDirectoryName(input)!);
            await File.WriteAllBytesAsync(input, at30);
            await Task.Delay(Settled);

            Assert.Contains("probe", await RenderAsync(farm, "probed", input, farm.Media("out/probed.mp4")));
            Assert.Contains("probe-reused", await RenderAsync(farm, "reused", input, farm.Media("out/reused.mp4")));
            Assert.Equal("30/1 60", await RateAndFramesAsync(farm.Media("out/reused.mp4")));

            // Rewritten in place (same inode, same size) with other content, and its mtime put back: only ctime moved.
            var mtime = await StatAsync(input, "%.9Y");
            await using (var file = new FileStream(input, FileMode.Open, FileAccess.Write))
            {
                await file.WriteAsync(at25);
            }

            await ProcessRunner.RunAsync("touch", ["-d", "@" + mtime, input]);
            Assert.Equal($"{mtime} {at30.Length}", await StatAsync(input, "%.9Y %s"));
            await Task.Delay(Settled);
            var rewritten = await RenderAsync(farm, "rewritten", input, farm.Media("out/rewritten.mp4"));
            Assert.Contains("probe", rewritten);
            Assert.DoesNotContain("probe-reused", rewritten);
            Assert.Equal("25/1 60", await RateAndFramesAsync(farm.Media("out/rewritten.mp4")));

            // Another input with the same size and mtime is never rendered from the first one's facts (now those of 25 fps).
            Assert.Contains("probe-reused", await RenderAsync(farm, "reused-again", input, farm.Media("out/reused-again.mp4")));
            var other = farm.Media("in/other.y4m");
            await File.WriteAllBytesAsync(other, at30);
            await ProcessRunner.RunAsync("touch", ["-d", "@" + mtime, other]);
            var elsewhere = await RenderAsync(farm, "other", other, farm.Media("out/other.mp4"));
            Assert.Contains("probe", elsewhere);
            Assert.DoesNotContain("probe-reused", elsewhere);
            Assert.Equal("30/1 60", await RateAndFramesAsync(farm.Media("out/other.mp4")));
        });

    /// <summary>Renders a 540p proxy (the source's own rate) and returns the names of its attempt's steps.</summary>
    private static async Task<List<string>> RenderAsync(FaultFarm farm, string name, string input, string target)
    {
        var spec = new JobSpec { Name = name, InputPath = input, OutputPath = target, Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
        var job = await farm.SubmitAsync(spec);
        var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(90));
        Assert.True(done.State == JobState.Succeeded, $"job {name} ended {done.State}: {done.Error}");
        var steps = Assert.Single(Attempts.Of(done)).Timeline.Phases.Select(p => p.Name).ToList();
        farm.Report($"FINDING {name}: {string.Join(", ", steps)}");
        return steps;
    }

    private static async Task<string> OutputFactsAsync(string path)
    {
        var fields = new List<string>();
        foreach (var field in new[] { "codec_name", "pix_fmt", "width", "height", "color_primaries", "color_transfer", "color_space", "color_range", "r_frame_rate" })
        {
            fields.Add(await Ffprobe.VideoFieldAsync(path, field));
        }

        return $"{fields[0]} {fields[1]} {fields[2]}x{fields[3]} {fields[4]}/{fields[5]}/{fields[6]} {fields[7]} {fields[8]} fps, "
            + $"{await Ffprobe.CountFramesAsync(path)} frames";
    }

    private static async Task<string> RateAndFramesAsync(string path) =>
        $"{await Ffprobe.VideoFieldAsync(path, "r_frame_rate")} {await Ffprobe.CountFramesAsync(path)}";

    private static async Task<byte[]> Y4mAsync(FaultFarm farm, string rate)
    {
        var path = Path.Combine(farm.Folder("clips"), $"clip-{rate}.y4m");
        await ProcessRunner.FfmpegAsync("-f", "lavfi", "-i", $"testsrc2=s=160x90:r={rate}:d=2", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", path);
        return await File.ReadAllBytesAsync(path);
    }

    private static async Task<string> StatAsync(string path, string format)
    {
        var result = await ProcessRunner.RunAsync("stat", ["-c", format, path]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Trim();
    }
}
