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
    public async Task Job_Timeline_PrintsEachPhaseInOrderWithWhenItBeganHowLongItTookAndTheGapBeforeIt()
    {
        var created = SampleJobs.Created;
        var job = SampleJobs.Failed("j1", "");
        job.State = JobState.Succeeded;
        job.CreateTime = Timestamp.FromDateTimeOffset(created);
        job.EndTime = Timestamp.FromDateTimeOffset(created.AddMilliseconds(2600));
        var attempt = new Attempt
        {
            Id = "att-1",
            AgentName = "render-07",
            StartTime = Timestamp.FromDateTimeOffset(created.AddMilliseconds(12)),
            EndTime = Timestamp.FromDateTimeOffset(created.AddMilliseconds(2590)),
            Outcome = AttemptOutcome.Succeeded,
            Timeline = new TaskTimeline(),
        };
        foreach (var (name, from, to) in new[] { ("received", 15, 15), ("probe", 20, 70), ("ffmpeg", 75, 2475), ("sha256", 2480, 2500), ("rename", 2500, 2501) })
        {
            attempt.Timeline.Phases.Add(new TaskPhase
            {
                Name = name,
                StartTime = Timestamp.FromDateTimeOffset(created.AddMilliseconds(from)),
                EndTime = Timestamp.FromDateTimeOffset(created.AddMilliseconds(to)),
            });
        }

        var task = new RenderTask { Id = "t1", State = TaskState.Succeeded };
        task.Attempts.Add(attempt);
        job.Tasks.Add(task);
        _farmctl.Farm.Jobs["j1"] = job;

        var result = await _farmctl.RunAsync("job", "j1", "--timeline");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var rows = result.Out.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length == 4 && c[0] != "phase").ToList();
        Assert.Equal(["submitted", "claimed", "received", "probe", "ffmpeg", "sha256", "rename", "committed", "job-ended"], rows.Select(r => r[0]));
        var ffmpeg = rows.Single(r => r[0] == "ffmpeg");
        Assert.Equal(["75.0", "2400.0", "5.0"], ffmpeg[1..]);
        Assert.Equal(["2590.0", "-", "89.0"], rows.Single(r => r[0] == "committed")[1..]);
    }

    [Fact]
    public async Task Job_RunningWithTimeLeft_ShowsTheEstimateForTheJobAndItsTask()
    {
        var job = SampleJobs.Running("j1", 40, 25, 1);
        job.TimeLeft = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3700));
        job.Tasks[0].TimeLeft = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(42));
        _farmctl.Farm.Jobs["j1"] = job;

        var result = await _farmctl.RunAsync("job", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("running 40.0%, 1h1m40s left", result.Out);
        Assert.Contains("25 fps, 1x, 42s left, 0 failed attempt(s)", result.Out);
    }

    [Fact]
    public async Task Job_Json_RoundTripsToTheJob()
    {
        _farmctl.Farm.Jobs["j1"] = JobWithAttempts();

        var result = await _farmctl.RunAsync("job", "j1", "--json");

        Assert.Equal(JobWithAttempts(), Job.Parser.ParseJson(result.Out));
    }

    [Fact]
    public async Task Job_SucceededWithASnappedRate_ShowsTheRateAndWhy()
    {
        var job = SampleJobs.Succeeded("j1");
        job.Result.FrameRate = "30000/1001";
        job.Result.FrameRateReason = "the standard rate nearest the variable-rate source's average 29.87 fps";
        _farmctl.Farm.Jobs["j1"] = job;

        var result = await _farmctl.RunAsync("job", "j1");

        var line = Assert.Single(result.Out.Split('\n'), l => l.Contains("frame rate", StringComparison.Ordinal));
        Assert.Contains("30000/1001 (the standard rate nearest the variable-rate source's average 29.87 fps)", line, StringComparison.Ordinal);
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

    private static readonly DateTimeOffset Now = new(2025, 11, 24, 14, 1, 30, TimeSpan.Zero);

    private static Timestamp At(double secondsFromNow) => Timestamp.FromDateTimeOffset(Now.AddSeconds(secondsFromNow));

    private static RenderTask WaitingTask(string id, WaitReason reason) =>
        new() { Id = id, State = reason.Kind == WaitReason.Types.Kind.Backoff ? TaskState.Waiting : TaskState.Queued, WaitReason = reason };

    [Fact]
    public async Task Job_WaitingTasks_ShowWhyEachWaits()
    {
        _farmctl.Time = new FixedClock(Now);
        var job = SampleJobs.Job("j1", JobState.Queued);
        job.Tasks.Add(WaitingTask("t1", new WaitReason { Kind = WaitReason.Types.Kind.Backoff, Until = At(40), Message = "retrying after a crash" }));
        job.Tasks.Add(WaitingTask("t2", new WaitReason { Kind = WaitReason.Types.Kind.Dependency, JobIds = { "j-0" } }));
        job.Tasks.Add(WaitingTask("t3", new WaitReason { Kind = WaitReason.Types.Kind.NoCapableAgent, Message = "no agent has encoder libx265" }));
        job.Tasks.Add(WaitingTask("t4", new WaitReason { Kind = WaitReason.Types.Kind.Scheduled, Until = At(86400) }));
        job.Tasks.Add(WaitingTask("t5", new WaitReason { Kind = WaitReason.Types.Kind.NoAgents }));
        _farmctl.Farm.Jobs["j1"] = job;

        var result = await _farmctl.RunAsync("job", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var waits = result.Out.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("waiting:", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "waiting: backing off until 14:02:10 (in 40s)",
            "waiting: waiting on job j-0",
            "waiting: no agent has encoder libx265",
            "waiting: scheduled to start at 2025-11-25 14:01:30 (in 1d)",
            "waiting: no agent is connected",
        ], waits);
    }

    [Fact]
    public async Task Job_Recurring_ShowsCronNextRunAndRuns()
    {
        _farmctl.Time = new FixedClock(Now);
        var job = SampleJobs.Job("jr", JobState.Waiting);
        job.Spec.Cron = "0 30 2 * * ?";
        job.Spec.TimeZone = "Europe/Paris";
        job.Recurrence = new Recurrence
        {
            Cron = "0 30 2 * * ?", TimeZone = "Europe/Paris", NextRunTime = At(3600), RunCount = 12, LastRunJobId = "j-run-12",
        };
        _farmctl.Farm.Jobs["jr"] = job;

        var result = await _farmctl.RunAsync("job", "jr");

        var lines = Squeezed(result.Out);
        Assert.Contains("recurrence cron \"0 30 2 * * ?\" in Europe/Paris", lines);
        Assert.Contains("next run 15:01:30 (in 1h)", lines);
        Assert.Contains("runs 12 (last: job j-run-12)", lines);
    }

    [Fact]
    public async Task Job_CanceledRecurring_ShowsNoNextRun()
    {
        _farmctl.Time = new FixedClock(Now);
        var job = SampleJobs.Job("jr", JobState.Canceled);
        job.Spec.Cron = "0 30 2 * * ?";
        // As a coordinator before the fix stored it: the next run of the day it was canceled.
        job.Recurrence = new Recurrence { Cron = "0 30 2 * * ?", TimeZone = "UTC", NextRunTime = At(-11), RunCount = 3 };
        _farmctl.Farm.Jobs["jr"] = job;

        var result = await _farmctl.RunAsync("job", "jr");

        var lines = Squeezed(result.Out);
        Assert.Contains("next run none (the schedule is canceled)", lines);
        Assert.DoesNotContain("ago", lines);
    }

    [Fact]
    public async Task Job_RunOfRecurringJobWithDependenciesAndLimits_ShowsEach()
    {
        _farmctl.Time = new FixedClock(Now);
        var job = SampleJobs.Job("j2", JobState.Waiting);
        job.RecurringJobId = "jr";
        job.Spec.DependsOn.Add("j-a");
        job.Spec.DependsOn.Add("j-b");
        job.Spec.StartTime = At(600);
        job.Spec.MaxRunTime = Duration.FromTimeSpan(TimeSpan.FromHours(2));
        job.Spec.StallTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(5));
        _farmctl.Farm.Jobs["j2"] = job;

        var result = await _farmctl.RunAsync("job", "j2");

        var lines = Squeezed(result.Out);
        Assert.Contains("run of recurring job jr", lines);
        Assert.Contains("depends on j-a, j-b", lines);
        Assert.Contains("start at 14:11:30 (in 10m)", lines);
        Assert.Contains("max run time 2h", lines);
        Assert.Contains("stall timeout 5m", lines);
    }

    [Fact]
    public async Task Job_Attempts_ShowFailureClassAndLogSize()
    {
        var job = SampleJobs.Job("j3", JobState.Running);
        var task = new RenderTask { Id = "t1", State = TaskState.Running };
        task.Attempts.Add(new Attempt
        {
            Id = "att-1", AgentName = "render-07", Outcome = AttemptOutcome.Failed, FailureClass = FailureClass.Timeout,
            ExitCode = 255, Error = "no progress for 5m", LogSizeBytes = 12_288,
        });
        task.Attempts.Add(new Attempt { Id = "att-2", AgentName = "render-03", Outcome = AttemptOutcome.Canceled, FailureClass = FailureClass.Interrupted });
        job.Tasks.Add(task);
        _farmctl.Farm.Jobs["j3"] = job;

        var result = await _farmctl.RunAsync("job", "j3");

        var first = Assert.Single(result.Out.Split('\n'), l => l.Contains("att-1", StringComparison.Ordinal));
        Assert.Contains("timeout", first);
        Assert.Contains("12.0 KiB", first);
        Assert.Contains("no progress for 5m", first);
        Assert.Contains("interrupted", Assert.Single(result.Out.Split('\n'), l => l.Contains("att-2", StringComparison.Ordinal)));
    }

    private static List<string> Squeezed(string text) =>
        text.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();

    [Fact]
    public async Task Job_Chunked_ShowsEachChunkWithItsFrames()
    {
        var job = SampleJobs.Running("j2", 55, 0, 0);
        job.Tasks.Clear();
        job.Tasks.Add(new RenderTask { Id = "j2-t0", State = TaskState.Succeeded, Percent = 100, Kind = TaskKind.Probe });
        job.Tasks.Add(new RenderTask
        {
            Id = "j2-c0001", State = TaskState.Running, Percent = 40, Kind = TaskKind.Chunk, WeightFrames = 600,
            Chunk = new ChunkRange { Index = 1, Count = 3, FirstFrame = 600, FrameCount = 600, StartSeconds = 20, DurationSeconds = 20 },
        });
        job.Tasks.Add(new RenderTask
        {
            Id = "j2-stitch", State = TaskState.Waiting, Kind = TaskKind.Stitch,
            WaitReason = new WaitReason { Kind = WaitReason.Types.Kind.Tasks, Message = "waiting for every chunk and the audio of its job to finish" },
        });
        _farmctl.Farm.Jobs["j2"] = job;

        var result = await _farmctl.RunAsync("job", "j2");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("task j2-t0 (probe)", result.Out);
        Assert.Contains("task j2-c0001 (chunk 2/3, frames 600-1199, 20-40 s)", result.Out);
        Assert.Contains("task j2-stitch (stitch)", result.Out);
        Assert.Contains("waiting for every chunk and the audio", result.Out);
    }
}
