using System.Diagnostics;
using System.Globalization;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Agent.Tests.Media.Mp4;

/// <summary>What the probe of a new input costs: a 1080p HEVC 10-bit PQ phone-like clip read in process and by ffprobe.</summary>
public sealed class Mp4SourceReaderCostTests(ITestOutputHelper log)
{
    [Fact]
    public async Task ProbeAsync_New1080pPqInput_ReadInProcessWithFfprobesFacts()
    {
        var path = Path.Combine(TestClips.ClipDirectory, "cost-1080p-pq.mp4");
        if (!File.Exists(path))
        {
            await ProcessRunner.FfmpegAsync(
                "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=0.2", "-f", "lavfi", "-i", "sine=d=0.2:sample_rate=48000", "-pix_fmt", "yuv420p10le",
                "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
                "-x265-params", "log-level=error:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400",
                "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-c:a", "aac", "-shortest", path);
        }

        using var file = LocalFiles.OpenFile(path);
        var (inProcess, wallIn, cpuIn) = await MeasureAsync(200, () => MediaProbe.ProbeAsync(file, CancellationToken.None));
        var (ffprobe, wallFf, cpuFf) = await MeasureAsync(5, () => MediaProbe.FfprobeAsync(file, CancellationToken.None));

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"MEASURE probe of a new 1080p HEVC PQ input: in process {wallIn:0.00} ms wall, {cpuIn:0.00} ms CPU (median of 200); ffprobe {wallFf:0.0} ms wall, {cpuFf:0.0} ms CPU incl. its processes (median of 5)"));
        Assert.Equal(ffprobe, inProcess);
        Assert.NotNull(inProcess.Hdr10);
    }

    /// <summary>Median wall time and mean CPU time (this process and its reaped children) per run, in ms.</summary>
    private static async Task<(SourceInfo Info, double Wall, double Cpu)> MeasureAsync(int runs, Func<Task<SourceInfo>> probe)
    {
        var info = await probe();
        var walls = new List<double>();
        var cpuBefore = Cpu();
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await probe();
            walls.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        walls.Sort();
        return (info, walls[runs / 2], (Cpu() - cpuBefore) / runs);
    }

    /// <summary>CPU ms of this process plus its waited-for children (cutime, cstime of /proc/self/stat, in 10 ms ticks).</summary>
    private static double Cpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var children = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalMilliseconds + (children * 10.0);
    }
}
