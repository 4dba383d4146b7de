using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Watching;

public sealed class JobWatcherTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Watch_JobSucceeds_ExitCode0AndPrintsTheResult()
    {
        _farmctl.Farm.WatchUpdates.AddRange([SampleJobs.Running("j1", 50, 48, 1.9), SampleJobs.Succeeded("j1")]);

        var result = await _farmctl.RunAsync("watch", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("/media/out/j1.mp4", result.Out);
        Assert.Contains("5.0 MiB", result.Out);
        Assert.Contains("00:01:23.400", result.Out);
        Assert.Contains("2085", result.Out);
        Assert.Contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Watch_NotATerminal_PrintsOneLinePerStateChange()
    {
        _farmctl.Farm.WatchUpdates.AddRange(
            [SampleJobs.Job("j1", JobState.Queued), SampleJobs.Running("j1", 10, 30, 1), SampleJobs.Running("j1", 60, 30, 1), SampleJobs.Succeeded("j1")]);

        var result = await _farmctl.RunAsync("watch", "j1");

        var stateLines = result.Out.Split('\n').Where(l => l.StartsWith("name-j1 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["name-j1 queued 0.0%", "name-j1 running 10.0%", "name-j1 succeeded 100.0%"], stateLines);
    }

    [Fact]
    public async Task Watch_CoordinatorLostMidStream_WatchesAgainAndEndsWithTheResult()
    {
        _farmctl.Farm.WatchJobBreaks = 1;
        _farmctl.Farm.WatchUpdates.AddRange([SampleJobs.Running("j1", 10, 30, 1), SampleJobs.Running("j1", 60, 30, 1), SampleJobs.Succeeded("j1")]);

        var result = await _farmctl.RunAsync("watch", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("/media/out/j1.mp4", result.Out);
        Assert.Contains("lost the coordinator (the coordinator went away)", result.Error);
        Assert.Contains("reconnected", result.Error);
        var stateLines = result.Out.Split('\n').Where(l => l.StartsWith("name-j1 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["name-j1 running 10.0%", "name-j1 succeeded 100.0%"], stateLines);
    }

    [Fact]
    public async Task SubmitWait_JobFails_ExitCode1AndPrintsTheError()
    {
        _farmctl.Farm.WatchUpdates.AddRange([SampleJobs.Running("job-1", 5, 20, 0.8), SampleJobs.Failed("job-1", "input has no video stream")]);

        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov", "--preset", "prores-hq", "--wait");

        Assert.Equal(ExitCodes.JobFailed, result.ExitCode);
        Assert.Contains("error: job job-1 failed: input has no video stream", result.Error);
        Assert.Contains("farmctl job job-1", result.Error);
    }

    [Fact]
    public async Task SubmitWait_JobCanceled_ExitCode2()
    {
        var canceled = SampleJobs.Job("job-1", JobState.Canceled, 30);
        canceled.Error = "canceled by user";
        _farmctl.Farm.WatchUpdates.AddRange([SampleJobs.Running("job-1", 30, 20, 0.8), canceled]);

        var result = await _farmctl.RunAsync("submit", "grade", "a.mov", "b.mov", "--preset", "prores-hq", "--saturation", "0", "--wait");

        Assert.Equal(ExitCodes.JobCanceled, result.ExitCode);
        Assert.Contains("canceled", result.Out);
    }

    [Fact]
    public async Task Watch_StreamEndsBeforeTheJob_AsksForTheJobAndUsesItsEndState()
    {
        _farmctl.Farm.WatchUpdates.Add(SampleJobs.Running("j1", 99, 30, 1));
        _farmctl.Farm.Jobs["j1"] = SampleJobs.Failed("j1", "agent lost three times");

        var result = await _farmctl.RunAsync("watch", "j1");

        Assert.Equal(ExitCodes.JobFailed, result.ExitCode);
        Assert.Contains("agent lost three times", result.Error);
    }

    [Fact]
    public async Task WatchJson_JobSucceeds_PrintsOnlyTheFinalJob()
    {
        _farmctl.Farm.WatchUpdates.AddRange([SampleJobs.Running("j1", 50, 48, 1.9), SampleJobs.Succeeded("j1")]);

        var result = await _farmctl.RunAsync("watch", "j1", "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(SampleJobs.Succeeded("j1"), Job.Parser.ParseJson(result.Out));
    }

    [Fact]
    public async Task Watch_UnknownJob_ExitCode3()
    {
        var result = await _farmctl.RunAsync("watch", "nope");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: NotFound: job nope not found", result.Error.Trim());
    }

    [Fact]
    public async Task Watch_InterruptedWhileRunning_ExitCode130AndSaysTheJobKeepsRunning()
    {
        _farmctl.Farm.WatchInterval = TimeSpan.FromMinutes(1);
        _farmctl.Farm.WatchUpdates.AddRange([SampleJobs.Running("j1", 10, 30, 1), SampleJobs.Succeeded("j1")]);
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var result = await _farmctl.RunAsync(interrupt.Token, "watch", "j1");

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.Contains("the job keeps running", result.Error);
    }
}

public sealed class JobWatcherTimeLeftTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Watch_RunningJobWithTimeLeft_PrintsTheEstimate()
    {
        var running = SampleJobs.Running("j1", 10, 30, 1);
        running.TimeLeft = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(95));
        _farmctl.Farm.WatchUpdates.AddRange([running, SampleJobs.Succeeded("j1")]);

        var result = await _farmctl.RunAsync("watch", "j1");

        Assert.Contains("name-j1 running 10.0% · 1m35s left", result.Out.Split('\n'));
    }
}
