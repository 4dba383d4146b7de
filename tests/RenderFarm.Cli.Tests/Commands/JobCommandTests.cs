using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class JobCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private static Job JobWithAttempts()
    {
        var job = SampleJobs.Failed("j1", "input is truncated");
        job.Spec.Grade = new Grade { LutPath = "/media/luts/look.cube", Exposure = 0.5 };
        var task = new RenderTask { Id = "t1", State = TaskState.Failed, Percent = 40, FailedAttempts = 2 };
        task.Attempts.Add(new Attempt
        {
            Id = "att-1",
            AgentName = "render-07",
            StartTime = Timestamp.FromDateTimeOffset(SampleJobs.Created.AddMinutes(1)),
            EndTime = Timestamp.FromDateTimeOffset(SampleJobs.Created.AddMinutes(2)),
            Outcome = AttemptOutcome.Lost,
            FailureClass = FailureClass.LeaseExpired,
            Error = "no heartbeat for 30s",
        });
        task.Attempts.Add(new Attempt
        {
            Id = "att-2",
            AgentName = "render-03",
            StartTime = Timestamp.FromDateTimeOffset(SampleJobs.Created.AddMinutes(3)),
            EndTime = Timestamp.FromDateTimeOffset(SampleJobs.Created.AddMinutes(4)),
            Outcome = AttemptOutcome.Failed,
            FailureClass = FailureClass.BadInput,
            ExitCode = 183,
            Error = "input is truncated",
            LogTail = "[mov,mp4] moov atom not found\nInvalid data found when processing input",
        });
        job.Tasks.Add(task);
        return job;
    }

    [Fact]
    public async Task Job_WithAttempts_ShowsEveryAttemptAndTheLogTail()
    {
        _farmctl.Farm.Jobs["j1"] = JobWithAttempts();

        var result = await _farmctl.RunAsync("job", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var lost = Assert.Single(result.Out.Split('\n'), l => l.Contains("att-1", StringComparison.Ordinal) && l.Contains("render-07", StringComparison.Ordinal));
        Assert.Contains("2025-11-24 09:31:00", lost);
        Assert.Contains("2025-11-24 09:32:00", lost);
        Assert.Contains("lost", lost);
        Assert.Contains("lease-expired", lost);
        Assert.Contains("no heartbeat for 30s", lost);
        var failed = Assert.Single(result.Out.Split('\n'), l => l.Contains("att-2", StringComparison.Ordinal) && l.Contains("render-03", StringComparison.Ordinal));
        Assert.Contains("bad-input", failed);
        Assert.Contains("183", failed);
        Assert.Contains("moov atom not found", result.Out);
        Assert.Contains("Invalid data found when processing input", result.Out);
        Assert.Contains("lut /media/luts/look.cube, exposure 0.5 EV", result.Out);
        Assert.Contains("input is truncated", result.Out);
    }

    [Fact]
    public async Task Job_Json_RoundTripsToTheJob()
    {
        _farmctl.Farm.Jobs["j1"] = JobWithAttempts();

        var result = await _farmctl.RunAsync("job", "j1", "--json");

        Assert.Equal(JobWithAttempts(), Job.Parser.ParseJson(result.Out));
    }

    [Fact]
    public async Task Cancel_RunningJob_PrintsCanceled()
    {
        _farmctl.Farm.Jobs["j1"] = SampleJobs.Running("j1", 10, 20, 1);

        var result = await _farmctl.RunAsync("cancel", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal("canceled job j1: canceled", result.Out.Trim());
    }

    [Fact]
    public async Task Cancel_FinishedJob_ExitCode3WithTheReason()
    {
        _farmctl.Farm.Jobs["j1"] = SampleJobs.Succeeded("j1");

        var result = await _farmctl.RunAsync("cancel", "j1");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: FailedPrecondition: job j1 has already finished", result.Error.Trim());
    }

    [Fact]
    public async Task Retry_FailedJob_Json_ShowsItQueued()
    {
        _farmctl.Farm.Jobs["j1"] = SampleJobs.Failed("j1", "x");

        var result = await _farmctl.RunAsync("retry", "j1", "--json");

        Assert.Equal(JobState.Queued, Job.Parser.ParseJson(result.Out).State);
    }
}
