using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

public sealed class AttemptLifecycleTests : IAsyncLifetime
{
    private readonly DomainHarness _h = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task TryAssign_QueuedTask_CreatesLeaseAndMarksTaskAssigned()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        Assert.Equal(AttemptOutcome.Running, attempt.Outcome);
        Assert.Equal(_h.Time.GetUtcNow() + TimeSpan.FromSeconds(30), attempt.LeaseExpiry);
        Assert.Equal(TaskState.Assigned, (await _h.TaskOf(job.Id)).State);
        Assert.Equal(JobState.Running, (await _h.JobOf(job.Id)).State);
    }

    [Fact]
    public async Task TryAssign_TaskAlreadyAssigned_ReturnsNull()
    {
        var job = await _h.SubmitAsync();
        var task = await _h.TaskOf(job.Id);
        await _h.AssignAsync(job.Id);

        Assert.Null(await _h.Attempts.TryAssignAsync(task, "agent-b", None));
    }

    [Fact]
    public async Task Complete_SameReportTwice_SecondChangesNothing()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        var report = new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { Path = "out.mp4", FrameCount = 90 } };

        Assert.Equal(Fence.Accepted, await _h.Attempts.CompleteAsync("agent-a", report, None));
        var endTime = (await _h.JobOf(job.Id)).EndTime;
        _h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(Fence.Duplicate, await _h.Attempts.CompleteAsync("agent-a", report, None));

        var after = await _h.JobOf(job.Id);
        Assert.Equal(JobState.Succeeded, after.State);
        Assert.Equal(endTime, after.EndTime);
        Assert.Equal(90UL, after.Result!.FrameCount);
    }

    [Fact]
    public async Task Complete_FromAnotherAgent_IsStaleAndIgnored()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id, "agent-a");

        var fence = await _h.Attempts.CompleteAsync("agent-b", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo() }, None);

        Assert.Equal(Fence.Stale, fence);
        Assert.Equal(JobState.Running, (await _h.JobOf(job.Id)).State);
    }

    [Fact]
    public async Task Progress_UnknownAttempt_IsStale()
    {
        Assert.Equal(Fence.Stale, await _h.Attempts.ReportProgressAsync("agent-a", new TaskProgress { AttemptId = "att-nope", Percent = 10 }, None));
    }

    [Fact]
    public async Task Progress_FirstReport_MovesTaskToRunning()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        await _h.Attempts.ReportProgressAsync("agent-a", new TaskProgress { AttemptId = attempt.Id, Percent = 12 }, None);

        Assert.Equal(TaskState.Running, (await _h.TaskOf(job.Id)).State);
    }

    [Fact]
    public async Task Fail_BadInput_FailsJobAtOnceWithoutRetry()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.BadInput, Message = "grade.cube line 7: expected 3 numbers" }, None);

        var after = await _h.JobOf(job.Id);
        Assert.Equal(JobState.Failed, after.State);
        Assert.Contains("line 7", after.Error);
        Assert.Empty(_h.Releases.Scheduled);
    }

    [Fact]
    public async Task Fail_Transient_WaitsOutBackoffThenReleaseQueuesAgain()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Transient, Message = "ffmpeg exited 1", ExitCode = 1 }, None);

        var waiting = await _h.TaskOf(job.Id);
        Assert.Equal(TaskState.Waiting, waiting.State);
        Assert.Equal(1, waiting.FailedAttempts);
        var (taskId, at) = Assert.Single(_h.Releases.Scheduled);
        Assert.Equal(_h.Time.GetUtcNow() + TimeSpan.FromSeconds(10), at);
        Assert.Equal(JobState.Waiting, (await _h.JobOf(job.Id)).State);

        await _h.Attempts.ReleaseAsync(taskId, None);
        Assert.Equal(TaskState.Waiting, (await _h.TaskOf(job.Id)).State);

        _h.Time.SetUtcNow(at);
        await _h.Attempts.ReleaseAsync(taskId, None);
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(job.Id)).State);
    }

    [Fact]
    public async Task Fail_TransientBeyondRetryLimit_FailsJobNamingTheLimit()
    {
        var job = await _h.SubmitAsync(maxRetries: 1);
        for (var i = 0; i < 2; i++)
        {
            var attempt = await _h.AssignAsync(job.Id);
            await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Transient, Message = "I/O error" }, None);
            _h.Time.Advance(TimeSpan.FromMinutes(1));
            await _h.Attempts.ReleaseAsync((await _h.TaskOf(job.Id)).Id, None);
        }

        var after = await _h.JobOf(job.Id);
        Assert.Equal(JobState.Failed, after.State);
        Assert.Contains("retry limit 1", after.Error);
        Assert.Single(_h.Releases.Scheduled);
    }

    [Fact]
    public async Task Expire_LeaseRunOut_RequeuesTaskAndTellsAgentToDrop()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        _h.Time.Advance(TimeSpan.FromSeconds(31));
        var now = _h.Time.GetUtcNow();

        var expired = await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None);

        Assert.Equal(1, expired);
        var task = await _h.TaskOf(job.Id);
        Assert.Equal(TaskState.Queued, task.State);
        Assert.Equal(0, task.FailedAttempts);
        Assert.Contains(_h.Signals.Stops, s => s.Attempt == attempt.Id && !s.Canceled);
        Assert.Equal(Fence.Stale, await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo() }, None));
    }

    [Fact]
    public async Task RenewLeases_HeartbeatBeforeExpiry_KeepsLeaseAlive()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);
        _h.Time.Advance(TimeSpan.FromSeconds(20));

        var stale = await _h.Attempts.RenewLeasesAsync("agent-a", [attempt.Id, "att-unknown"], None);
        _h.Time.Advance(TimeSpan.FromSeconds(20));
        var now = _h.Time.GetUtcNow();
        var expired = await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None);

        Assert.Equal(["att-unknown"], stale);
        Assert.Equal(0, expired);
    }

    [Fact]
    public async Task RenewLeases_IdleAgentHeartbeat_CommitsNoTransaction()
    {
        var job = await _h.SubmitAsync();
        await _h.AssignAsync(job.Id);
        var commits = 0;
        _h.Store.Committed += _ => Interlocked.Increment(ref commits);

        var stale = await _h.Attempts.RenewLeasesAsync("agent-b", [], None);
        await _h.Store.InTransactionAsync(_ => Task.FromResult(true), None);

        Assert.Empty(stale);
        // Only the transaction this test ran itself committed.
        Assert.Equal(1, commits);
    }

    [Fact]
    public async Task Expire_MoreLossesThanFree_CountsAsFailedTry()
    {
        var job = await _h.SubmitAsync();
        for (var i = 0; i < 2; i++)
        {
            await _h.AssignAsync(job.Id);
            _h.Time.Advance(TimeSpan.FromMinutes(1));
            var now = _h.Time.GetUtcNow();
            await _h.Attempts.ExpireAsync(a => a.LeaseExpiry < now, "no heartbeat", None);
        }

        var task = await _h.TaskOf(job.Id);
        Assert.Equal(TaskState.Waiting, task.State);
        Assert.Equal(1, task.FailedAttempts);
        Assert.Equal(2, task.LostAttempts);
    }
}
