using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;
using static RenderFarm.Cli.Tests.Support.SampleFarm;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class TopCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new() { Time = new FixedClock(Start.AddSeconds(30)) };

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private static FarmEvent FirstSnapshot() =>
        Snapshot(1, [Agent("render-07", AgentState.Busy, 2, Running("r1", 42, 30))], [SampleJobs.Running("r1", 42, 30, 1.2)]);

    [Fact]
    public async Task Once_PrintsOneFrameOfTheSnapshotAndExits0()
    {
        _farmctl.Farm.FarmStreams.Add(new FarmStream([FirstSnapshot(), JobChanged(2, SampleJobs.Succeeded("r1"), JobEvent.Types.Kind.Finished)]));

        var result = await _farmctl.RunAsync("top", "--once");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("farm at 14:00:00", result.Out);
        var agent = Assert.Single(result.Out.Split('\n'), l => l.Contains("render-07", StringComparison.Ordinal));
        Assert.Contains("name-r1", agent);
        Assert.Contains("42.0%", agent);
        Assert.Contains("running 1", result.Out);
        Assert.DoesNotContain('\u001b', result.Out);
        Assert.Equal(1, _farmctl.Farm.WatchFarmCalls);
    }

    [Fact]
    public async Task OnceJson_PrintsTheSnapshotEvent()
    {
        _farmctl.Farm.FarmStreams.Add(new FarmStream([FirstSnapshot()]));

        var result = await _farmctl.RunAsync("top", "--once", "--json");

        Assert.Equal(FirstSnapshot(), FarmEvent.Parser.ParseJson(result.Out));
    }

    [Fact]
    public async Task Once_StreamEndsWithoutSnapshot_ExitCode3()
    {
        _farmctl.Farm.FarmStreams.Add(new FarmStream([], HoldOpen: false));

        var result = await _farmctl.RunAsync("top", "--once");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("before sending its snapshot", result.Error);
    }

    [Fact]
    public async Task Top_CoordinatorRefuses_ExitCode3()
    {
        _farmctl.Farm.Failure = new Grpc.Core.Status(Grpc.Core.StatusCode.PermissionDenied, "operators only");

        var result = await _farmctl.RunAsync("top");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: PermissionDenied: operators only", result.Error.Trim());
    }

    [Fact]
    public async Task Top_SequenceGap_RejoinsAndDrawsTheFreshSnapshotUntilCtrlC()
    {
        _farmctl.Farm.FarmStreams.Add(new FarmStream([FirstSnapshot(), JobChanged(2, SampleJobs.Running("r1", 50, 30, 1.2)), JobChanged(7, SampleJobs.Succeeded("r1"))]));
        _farmctl.Farm.FarmStreams.Add(new FarmStream([Snapshot(9, [Agent("render-07", AgentState.Idle)], [SampleJobs.Job("fresh", JobState.Queued)], seconds: 10)]));

        var result = await _farmctl.RunUntilAsync(r => r.Out.Contains("fresh", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "top");

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.Equal(2, _farmctl.Farm.WatchFarmCalls);
        var lastFrame = result.Out[result.Out.LastIndexOf("farm at", StringComparison.Ordinal)..];
        Assert.Contains("farm at 14:00:10", lastFrame);
        Assert.Contains("fresh", lastFrame);
        Assert.DoesNotContain("stale", lastFrame);
        Assert.DoesNotContain("name-r1", lastFrame);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task TopJson_StreamsAppliedEventsAsLinesAndStartsOverAfterAGap()
    {
        _farmctl.Farm.FarmStreams.Add(new FarmStream([FirstSnapshot(), JobChanged(2, SampleJobs.Running("r1", 50, 30, 1.2)), JobChanged(7, SampleJobs.Succeeded("r1"))]));
        _farmctl.Farm.FarmStreams.Add(new FarmStream([Snapshot(9, [], [])]));

        var result = await _farmctl.RunUntilAsync(r => r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 3, TimeSpan.FromSeconds(30), "top", "--json");

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        var events = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(FarmEvent.Parser.ParseJson).ToList();
        Assert.Equal([1UL, 2UL, 9UL], events.Select(e => e.Sequence));
        Assert.Equal(FarmEvent.EventOneofCase.Snapshot, events[2].EventCase);
    }
}
