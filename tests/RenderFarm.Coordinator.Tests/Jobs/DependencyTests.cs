using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Jobs;

public sealed class DependencyTests : IAsyncLifetime
{
    private readonly DomainHarness _h = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Dependent_WaitsUntilItsDependencySucceeds_ThenQueues()
    {
        var transcode = await _h.SubmitAsync("transcode");
        var grade = await _h.SubmitAsync("grade", change: s => s.DependsOn.Add(transcode.Id));

        Assert.Equal(JobState.Waiting, grade.State);
        var waiting = await _h.TaskOf(grade.Id);
        Assert.Equal((TaskState.Waiting, TaskWait.Dependency), (waiting.State, waiting.WaitingFor));

        await Succeed(transcode.Id);

        var released = await _h.TaskOf(grade.Id);
        Assert.Equal((TaskState.Queued, TaskWait.None), (released.State, released.WaitingFor));
        Assert.Equal(JobState.Queued, (await _h.JobOf(grade.Id)).State);
    }

    [Fact]
    public async Task Dependent_WithTwoDependencies_WaitsForBoth()
    {
        var a = await _h.SubmitAsync("a");
        var b = await _h.SubmitAsync("b");
        var c = await _h.SubmitAsync("c", change: s => s.DependsOn.AddRange([a.Id, b.Id]));

        await Succeed(a.Id);
        Assert.Equal(TaskState.Waiting, (await _h.TaskOf(c.Id)).State);

        await Succeed(b.Id);
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(c.Id)).State);
    }

    [Fact]
    public async Task DependencyFails_DependentsFailNamingIt_AndTheFailureCascades()
    {
        var a = await _h.SubmitAsync("a");
        var b = await _h.SubmitAsync("b", change: s => s.DependsOn.Add(a.Id));
        var c = await _h.SubmitAsync("c", change: s => s.DependsOn.Add(b.Id));

        var attempt = await _h.AssignAsync(a.Id);
        await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.BadInput, Message = "input is not a video" }, None);

        var bJob = await _h.JobOf(b.Id);
        Assert.Equal(JobState.Failed, bJob.State);
        Assert.Contains(a.Id, bJob.Error);
        Assert.Contains("input is not a video", bJob.Error);
        var cJob = await _h.JobOf(c.Id);
        Assert.Equal(JobState.Failed, cJob.State);
        Assert.Contains(b.Id, cJob.Error);
    }

    [Fact]
    public async Task DependencyCanceled_DependentFailsSayingSo()
    {
        var a = await _h.SubmitAsync("a");
        var b = await _h.SubmitAsync("b", change: s => s.DependsOn.Add(a.Id));

        await _h.Catalog.CancelAsync(a.Id, None);

        var bJob = await _h.JobOf(b.Id);
        Assert.Equal(JobState.Failed, bJob.State);
        Assert.Contains("was canceled", bJob.Error);
    }

    [Fact]
    public async Task Submit_DependingOnMissingOrFailedJob_IsRefusedNamingTheField()
    {
        var missing = await Assert.ThrowsAsync<JobValidationException>(() => _h.SubmitAsync("x", change: s => s.DependsOn.Add("j-nope")));
        Assert.Contains("spec.depends_on[0]: job 'j-nope' does not exist", missing.Message);

        var a = await _h.SubmitAsync("a");
        await _h.Catalog.CancelAsync(a.Id, None);
        var canceled = await Assert.ThrowsAsync<JobValidationException>(() => _h.SubmitAsync("y", change: s => s.DependsOn.Add(a.Id)));
        Assert.Contains("retry it first", canceled.Message);
    }

    [Fact]
    public async Task Submit_DependingOnSucceededJob_QueuesAtOnce()
    {
        var a = await _h.SubmitAsync("a");
        await Succeed(a.Id);

        var b = await _h.SubmitAsync("b", change: s => s.DependsOn.Add(a.Id));

        Assert.Equal(TaskState.Queued, (await _h.TaskOf(b.Id)).State);
    }

    [Fact]
    public async Task Retry_OfDependentWhoseDependencyWasRetriedAndSucceeded_Queues()
    {
        var a = await _h.SubmitAsync("a");
        var b = await _h.SubmitAsync("b", change: s => s.DependsOn.Add(a.Id));
        await _h.Catalog.CancelAsync(a.Id, None);
        Assert.Equal(JobState.Failed, (await _h.JobOf(b.Id)).State);

        var refused = await Assert.ThrowsAsync<JobStateConflictException>(() => _h.Catalog.RetryAsync(b.Id, None));
        Assert.Contains(a.Id, refused.Message);

        await _h.Catalog.RetryAsync(a.Id, None);
        await _h.Catalog.RetryAsync(b.Id, None);
        Assert.Equal((TaskState.Waiting, TaskWait.Dependency), ((await _h.TaskOf(b.Id)).State, (await _h.TaskOf(b.Id)).WaitingFor));

        await Succeed(a.Id);
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(b.Id)).State);
    }

    [Fact]
    public async Task Dependent_WithFutureStartTime_WaitsForTheTimeAfterItsDependency()
    {
        var start = _h.Time.GetUtcNow().AddHours(1);
        var a = await _h.SubmitAsync("a");
        var b = await _h.SubmitAsync("b", change: s =>
        {
            s.DependsOn.Add(a.Id);
            s.StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start);
        });
        Assert.Contains(_h.Releases.Scheduled, r => r.At == start);

        await Succeed(a.Id);
        var task = await _h.TaskOf(b.Id);
        Assert.Equal((TaskState.Waiting, TaskWait.Scheduled), (task.State, task.WaitingFor));

        _h.Time.SetUtcNow(start);
        await _h.Attempts.ReleaseAsync(task.Id, None);
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(b.Id)).State);
    }

    private async Task Succeed(string jobId)
    {
        var attempt = await _h.AssignAsync(jobId);
        await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = 10 } }, None);
        Assert.Equal(JobState.Succeeded, (await _h.JobOf(jobId)).State);
    }
}
