using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Jobs;

public sealed class JobStateRollupTests
{
    [Theory]
    [InlineData(new[] { TaskState.Queued }, JobState.Queued)]
    [InlineData(new[] { TaskState.Waiting }, JobState.Waiting)]
    [InlineData(new[] { TaskState.Assigned }, JobState.Running)]
    [InlineData(new[] { TaskState.Succeeded, TaskState.Queued }, JobState.Running)]
    [InlineData(new[] { TaskState.Succeeded, TaskState.Succeeded }, JobState.Succeeded)]
    [InlineData(new[] { TaskState.Succeeded, TaskState.Failed }, JobState.Failed)]
    [InlineData(new[] { TaskState.Failed, TaskState.Canceled }, JobState.Failed)]
    [InlineData(new[] { TaskState.Succeeded, TaskState.Canceled, TaskState.Canceled }, JobState.Canceled)]
    public void From_TaskStates_DerivesJobState(TaskState[] tasks, JobState expected) =>
        Assert.Equal(expected, JobStateRollup.From(tasks));

    [Fact]
    public void From_NoTasks_Throws() => Assert.Throws<ArgumentException>(() => JobStateRollup.From([]));

    [Theory]
    [InlineData(TaskState.Queued, TaskState.Assigned, true)]
    [InlineData(TaskState.Running, TaskState.Queued, true)]
    [InlineData(TaskState.Succeeded, TaskState.Queued, false)]
    [InlineData(TaskState.Waiting, TaskState.Running, false)]
    [InlineData(TaskState.Canceled, TaskState.Queued, true)]
    public void CanMove_Transitions_FollowTheStateMachine(TaskState from, TaskState to, bool allowed) =>
        Assert.Equal(allowed, TaskStateMachine.CanMove(from, to));

    [Fact]
    public void DelayAfter_Failures_DoublesWithJitterAndCaps()
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), () => 0.5);

        Assert.Equal(TimeSpan.FromSeconds(10), backoff.DelayAfter(1));
        Assert.Equal(TimeSpan.FromSeconds(20), backoff.DelayAfter(2));
        Assert.Equal(TimeSpan.FromSeconds(60), backoff.DelayAfter(10));
        Assert.Equal(TimeSpan.FromSeconds(8), new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), () => 0).DelayAfter(1));
    }
}
