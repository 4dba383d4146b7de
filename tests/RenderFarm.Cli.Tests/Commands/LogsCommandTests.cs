using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class LogsCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private static Job WithAttempts(Job job, params string[] attemptIds)
    {
        job.Tasks.Clear();
        var task = new RenderTask { Id = "t1", State = job.State == JobState.Running ? TaskState.Running : TaskState.Succeeded };
        task.Attempts.AddRange(attemptIds.Select(id => new Attempt { Id = id, AgentName = $"agent-of-{id}" }));
        job.Tasks.Add(task);
        return job;
    }

    [Fact]
    public async Task Logs_NoFollow_PrintsEveryPageHeldNowAndExits0()
    {
        _farmctl.Farm.Jobs["j1"] = WithAttempts(SampleJobs.Running("j1", 50, 30, 1), "a1");
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("ffmpeg version 7.1\n", "frame=  100 fps=30\n", "", "frame=  200 fps=30\n");

        var result = await _farmctl.RunAsync("logs", "j1");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal("ffmpeg version 7.1\nframe=  100 fps=30\n", result.Out);
        Assert.Equal(["", "1", "2"], _farmctl.Farm.LogRequests.Select(r => r.PageToken));
    }

    [Fact]
    public async Task Logs_TaskAndAttempt_SentInTheRequest()
    {
        _farmctl.Farm.Jobs["j1"] = WithAttempts(SampleJobs.Succeeded("j1"), "a1", "a2");
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("first attempt\n");

        var result = await _farmctl.RunAsync("logs", "j1", "--task", "t1", "--attempt", "a1");

        Assert.Equal("first attempt\n", result.Out);
        var request = _farmctl.Farm.LogRequests[0];
        Assert.Equal(("j1", "t1", "a1"), (request.JobId, request.TaskId, request.AttemptId));
        Assert.True(request.PageSize > 0);
    }

    [Fact]
    public async Task Logs_UnknownJob_ExitCode3WithTheServersMessage()
    {
        var result = await _farmctl.RunAsync("logs", "nope");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: NotFound: job nope not found", result.Error.Trim());
    }

    [Fact]
    public async Task Logs_Json_OneResponseWithTheWholeText()
    {
        _farmctl.Farm.Jobs["j1"] = WithAttempts(SampleJobs.Succeeded("j1"), "a1");
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("one\n", "two\n");

        var result = await _farmctl.RunAsync("logs", "j1", "--json");

        var log = GetTaskLogResponse.Parser.ParseJson(result.Out);
        Assert.Equal(("a1", "one\ntwo\n", true), (log.AttemptId, log.Text, log.Complete));
    }

    [Fact]
    public async Task Logs_Follow_PollsPastEmptyPagesUntilCompleteAndTheJobEnds()
    {
        _farmctl.Farm.JobTimelines["j1"] = new Queue<Job>(
        [
            WithAttempts(SampleJobs.Running("j1", 50, 30, 1), "a1"),
            WithAttempts(SampleJobs.Succeeded("j1"), "a1"),
        ]);
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("frame=1\n", "", "", "frame=2\n", "done\n");

        var result = await _farmctl.RunAsync("logs", "j1", "--follow");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal("frame=1\nframe=2\ndone\n", result.Out);
        Assert.Equal(["", "1", "2", "3", "4"], _farmctl.Farm.LogRequests.Select(r => r.PageToken));
    }

    [Fact]
    public async Task Logs_Follow_TaskRetried_FollowsTheNextAttemptAndExits1WhenTheJobFails()
    {
        _farmctl.Farm.JobTimelines["j1"] = new Queue<Job>(
        [
            WithAttempts(SampleJobs.Running("j1", 10, 30, 1), "a1"),
            WithAttempts(SampleJobs.Running("j1", 10, 30, 1), "a1", "a2"),
            WithAttempts(SampleJobs.Failed("j1", "ffmpeg crashed three times"), "a1", "a2"),
        ]);
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("attempt one\n");
        _farmctl.Farm.Logs["a2"] = FakeLog.Of("attempt two\n");

        var result = await _farmctl.RunAsync("logs", "j1", "-f");

        Assert.Equal(ExitCodes.JobFailed, result.ExitCode);
        Assert.Equal("attempt one\nattempt two\n", result.Out);
        Assert.Contains("--- attempt a2 on agent-of-a2 ---", result.Error);
        Assert.Contains("job j1 failed: ffmpeg crashed three times", result.Error);
    }

    [Fact]
    public async Task Logs_Follow_NotStartedYet_SaysWhyAndWaitsForTheFirstAttempt()
    {
        var queued = SampleJobs.Job("j1", JobState.Queued);
        queued.Tasks.Add(new RenderTask { Id = "t1", State = TaskState.Queued, WaitReason = new WaitReason { Kind = WaitReason.Types.Kind.Dependency, JobIds = { "j0" } } });
        var canceled = WithAttempts(SampleJobs.Job("j1", JobState.Canceled), "a1");
        _farmctl.Farm.JobTimelines["j1"] = new Queue<Job>([queued, WithAttempts(SampleJobs.Running("j1", 1, 30, 1), "a1"), canceled]);
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("started\n");

        var result = await _farmctl.RunAsync("logs", "j1", "--follow");

        Assert.Equal(ExitCodes.JobCanceled, result.ExitCode);
        Assert.Contains("job j1 has not started yet: waiting on job j0", result.Error);
        Assert.Equal("started\n", result.Out);
    }

    [Fact]
    public async Task Logs_FollowJson_OnePageObjectPerLine()
    {
        _farmctl.Farm.JobTimelines["j1"] = new Queue<Job>([WithAttempts(SampleJobs.Succeeded("j1"), "a1")]);
        _farmctl.Farm.Logs["a1"] = FakeLog.Of("one\n", "two\n");

        var result = await _farmctl.RunAsync("logs", "j1", "--follow", "--json");

        var pages = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(GetTaskLogResponse.Parser.ParseJson).ToList();
        Assert.Equal(["one\n", "two\n"], pages.Select(p => p.Text));
        Assert.True(pages[^1].Complete);
        Assert.Equal("", result.Error);
    }
}
