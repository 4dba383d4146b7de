using RenderFarm.Agent.Guest;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Guest;

/// <summary>A real render paused while the owner is at the machine: it stops, resumes, and its output is whole.</summary>
public sealed class SuspendedRenderTests : IDisposable
{
    private const int Seconds = 3;
    private const int Frames = Seconds * 25;
    private readonly TempDir _dir = new("suspended");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Suspend_RenderStoppedForSeconds_ThenResumed_OutputDecodesCleanlyWithTheExactFrameCount()
    {
        var tools = LowPriorityTools.Prepare("", _dir.File("bin"), nice: 10, idleIo: true);
        var output = _dir.File("paused.mp4");
        var render = LowPriorityToolsTests.SlowRender(tools.BinaryFolder, CancellationToken.None, output, Seconds);
        var pid = await LowPriorityToolsTests.WaitForChildFfmpegAsync(output);
        await Task.Delay(TimeSpan.FromSeconds(1));

        FfmpegProcesses.Suspend([pid]);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var state = State(pid);
        var before = await SizeAndTimeAsync(output);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var during = await SizeAndTimeAsync(output);
        FfmpegProcesses.Resume([pid]);

        var result = await render.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Success, $"ffmpeg exited with {result.ExitCode} after it was resumed");
        Assert.Equal('T', state);
        Assert.Equal(before.Cpu, during.Cpu);
        Assert.Equal(Frames, await Ffprobe.CountFramesAsync(output));
        var decode = await ProcessRunner.RunAsync("ffmpeg", ["-v", "error", "-i", output, "-f", "null", "-"]);
        Assert.Equal(0, decode.ExitCode);
        Assert.Equal("", decode.StandardError.Trim());

        async Task<(long Size, long Cpu)> SizeAndTimeAsync(string file)
        {
            await Task.Yield();
            return (File.Exists(file) ? new FileInfo(file).Length : 0, CpuTicks(pid));
        }
    }

    /// <summary>The process state letter from <c>/proc/PID/stat</c> ('T' = stopped).</summary>
    private static char State(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        return text[text.LastIndexOf(')') + 2];
    }

    /// <summary>User and system CPU ticks: they do not move while the process is stopped.</summary>
    private static long CpuTicks(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }
}
