using FFMpegCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Guest;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Guest;

/// <summary>ffmpeg as the agent starts it, read back from the operating system: the nice value and I/O class asked for.</summary>
public sealed class LowPriorityToolsTests : IDisposable
{
    private readonly TempDir _dir = new("low-priority");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Prepare_Nice7IdleIo_RunningFfmpegHasNice7AndTheIdleIoClass()
    {
        var tools = LowPriorityTools.Prepare("", _dir.File("bin"), nice: 7, idleIo: true);
        using var stop = new CancellationTokenSource();
        var output = _dir.File("slow.mp4");
        var render = SlowRender(tools.BinaryFolder, stop.Token, output);

        var pid = await WaitForChildFfmpegAsync(output);
        var nice = FfmpegProcesses.Stat(pid)!.Value.Nice;
        var ioClass = (await ProcessRunner.RunAsync("ionice", ["-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])).StandardOutput.Trim();
        await stop.CancelAsync();
        await render;

        Assert.Equal(Current() + 7, nice);
        Assert.Equal("idle", ioClass);
    }

    [Fact]
    public void Prepare_Nice0AndNoIdleIo_LeavesTheToolsAsTheyAre()
    {
        var tools = LowPriorityTools.Prepare("", _dir.File("bin"), nice: 0, idleIo: false);

        Assert.Equal("", tools.BinaryFolder);
        Assert.False(Directory.Exists(_dir.File("bin")));
    }

    [Fact]
    public void AddAgent_Defaults_RunsFfmpegThroughAWrapperInTheDataFolderAtNice10()
    {
        Directory.CreateDirectory(_dir.File("media"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = _dir.File("data"),
            ["Agent:MediaRoots:media"] = _dir.File("media"),
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddAgent(configuration).BuildServiceProvider();

        var folder = services.GetRequiredService<RenderPipelineOptions>().BinaryFolder;

        Assert.Equal(_dir.File("data/bin"), folder);
        Assert.Contains(" -n 10 ", File.ReadAllText(Path.Combine(folder, "ffmpeg")), StringComparison.Ordinal);
        Assert.Contains(" -c 3 ", File.ReadAllText(Path.Combine(folder, "ffprobe")), StringComparison.Ordinal);
    }

    /// <summary>A render of a generated pattern at real-time speed, long enough to be looked at; stopped through <paramref name="stop"/>.</summary>
    internal static Task<FFMpegResult> SlowRender(string binaryFolder, CancellationToken stop, string output, int seconds = 30) =>
        FFMpegArguments
            .FromFileInput($"testsrc=size=64x64:rate=25:duration={seconds}", verifyExists: false, o => o.ForceFormat("lavfi").WithCustomArgument("-re"))
            .OutputToFile(output, overwrite: true, o => o.WithCustomArgument("-c:v libx264 -preset ultrafast -g 25"))
            .CancellableThrough(stop, TimeSpan.Zero)
            .ProcessAsynchronously(throwOnError: false, new FFOptions { BinaryFolder = binaryFolder });

    /// <summary>The ffmpeg this test process started to write <paramref name="output"/> (other tests run ffmpeg too), once it runs.</summary>
    internal static async Task<int> WaitForChildFfmpegAsync(string output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var pid in FfmpegProcesses.Children())
            {
                if (CommandLine(pid).Contains(output, StringComparison.Ordinal)) return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no ffmpeg writing {output} appeared within 30 s");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int Current() => FfmpegProcesses.Stat(Environment.ProcessId)!.Value.Nice;
}
