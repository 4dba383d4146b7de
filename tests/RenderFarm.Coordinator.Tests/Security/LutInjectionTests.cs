using RenderFarm.Agent.Media;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// A LUT whose file name is written to add filters to ffmpeg's graph (<c>: , ' ; [ ] \ =</c>) renders with exactly that
/// LUT, through the real farm: the colour shift matches the same LUT under a plain name, and the bait LUT the name
/// points at is never applied; no file but the outputs appears in the media root.
/// </summary>
public sealed class LutInjectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Hostile = @"warm',lut3d=file=bait.cube:interp=nearest[a];[a]split[b][c];[c]nullsink,movie=bait.mp4\,x=y;.cube";

    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task GradeJob_LutNameBuiltToInjectFilters_RendersWithExactlyThatLut()
    {
        await _farm.StartAgentAsync("agent-lut");
        var input = await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(_farm.MediaDir, "in.mp4"));
        var warm = CubeLut.Create(17, (r, g, b) => (Math.Min(1f, r * 1.1f), g, b * 0.8f));
        warm.WriteCanonical(Path.Combine(_farm.MediaDir, "plain.cube"));
        warm.WriteCanonical(Path.Combine(_farm.MediaDir, Hostile));
        CubeLut.Create(9, (r, g, b) => (0f, 1f, 0f)).WriteCanonical(Path.Combine(_farm.MediaDir, "bait.cube"));
        var before = Entries();

        var plain = await GradeAsync(input, "plain.cube", "plain.mp4");
        var hostile = await GradeAsync(input, Hostile, "hostile.mp4");

        var source = await Measure.SignalStatsAsync(input);
        var plainStats = await Measure.SignalStatsAsync(plain);
        var hostileStats = await Measure.SignalStatsAsync(hostile);
        output.WriteLine($"Cb source {source.UAvg:0.00}, plain-named LUT {plainStats.UAvg:0.00}, hostile-named LUT {hostileStats.UAvg:0.00}; " +
                         $"Y {source.YAvg:0.00} / {plainStats.YAvg:0.00} / {hostileStats.YAvg:0.00}");
        Assert.True(source.UAvg - plainStats.UAvg > 3, "the warm LUT lowers Cb");
        Assert.InRange(hostileStats.UAvg, plainStats.UAvg - 0.5, plainStats.UAvg + 0.5);
        Assert.InRange(hostileStats.VAvg, plainStats.VAvg - 0.5, plainStats.VAvg + 0.5);
        Assert.InRange(hostileStats.YAvg, plainStats.YAvg - 0.5, plainStats.YAvg + 0.5);
        Assert.Equal(before.Append("hostile.mp4").Append("plain.mp4").Order(StringComparer.Ordinal), Entries());
    }

    private async Task<string> GradeAsync(string input, string lut, string outputName)
    {
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                InputPath = input,
                OutputPath = outputName,
                Output = new OutputSettings { Preset = Preset.H264Proxy540P },
                Grade = new Grade { LutPath = lut },
            },
        })).Job;
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        return done.Result.Path;
    }

    private List<string> Entries() =>
        Directory.EnumerateFileSystemEntries(_farm.MediaDir, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_farm.MediaDir, p)).Order(StringComparer.Ordinal).ToList();
}
