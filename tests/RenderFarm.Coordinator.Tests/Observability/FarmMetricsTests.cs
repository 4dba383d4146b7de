using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Observability;

/// <summary>The metrics the attempt lifecycle records, on the domain with a fake clock.</summary>
public sealed class FarmMetricsTests : IAsyncLifetime
{
    private readonly DomainHarness _farm = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task TryAssign_FirstAttempt_ObservesTimeSinceSubmit()
    {
        var job = await _farm.SubmitAsync();
        _farm.Time.Advance(TimeSpan.FromSeconds(7));

        await _farm.AssignAsync(job.Id);

        Assert.Equal(1, _farm.Metrics.SubmitToStart.Count);
        Assert.Equal(7, _farm.Metrics.SubmitToStart.Sum, precision: 6);
    }

    [Fact]
    public async Task Complete_Accepted_ObservesDurationByPresetAndCountsFrames()
    {
        var job = await _farm.SubmitAsync();
        var attempt = await _farm.AssignAsync(job.Id);
        _farm.Time.Advance(TimeSpan.FromSeconds(42));

        await _farm.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = 120 } }, CancellationToken.None);
        await _farm.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = 120 } }, CancellationToken.None);

        var duration = _farm.Metrics.TaskDuration.WithLabels("h264-proxy-540p");
        Assert.Equal(1, duration.Count);
        Assert.Equal(42, duration.Sum, precision: 6);
        Assert.Equal(120, _farm.Metrics.FramesRendered.Value);
    }

    [Fact]
    public async Task Fail_TransientThenBadInput_CountsByClassAndRetriesOnlyTheTransient()
    {
        var job = await _farm.SubmitAsync();
        var first = await _farm.AssignAsync(job.Id);
        await _farm.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = first.Id, Message = "crashed" }, CancellationToken.None);
        _farm.Time.Advance(TimeSpan.FromMinutes(1));
        await _farm.Attempts.ReleaseAsync((await _farm.TaskOf(job.Id)).Id, CancellationToken.None);
        var second = await _farm.AssignAsync(job.Id);

        await _farm.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = second.Id, FailureClass = FailureClass.BadInput, Message = "bad LUT" }, CancellationToken.None);

        Assert.Equal(1, _farm.Metrics.AttemptFailures.WithLabels("transient").Value);
        Assert.Equal(1, _farm.Metrics.AttemptFailures.WithLabels("bad_input").Value);
        Assert.Equal(1, _farm.Metrics.RetriesScheduled.Value);
        Assert.Equal(1, _farm.Metrics.SubmitToStart.Count);
    }

    [Fact]
    public async Task Expire_LostLease_CountsLeaseExpired()
    {
        var job = await _farm.SubmitAsync();
        await _farm.AssignAsync(job.Id);

        await _farm.Attempts.ExpireAsync(_ => true, "agent vanished", CancellationToken.None);

        Assert.Equal(1, _farm.Metrics.AttemptFailures.WithLabels("lease_expired").Value);
        Assert.Equal(0, _farm.Metrics.RetriesScheduled.Value);
    }
}
