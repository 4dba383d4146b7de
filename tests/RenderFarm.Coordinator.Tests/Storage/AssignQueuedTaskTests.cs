using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>Moving a QUEUED task to ASSIGNED (one statement on SQLite, a locking read and an update on PostgreSQL).</summary>
public sealed class AssignQueuedTaskTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AssignQueuedTask_Queued_ReturnsTheTaskAssignedWithItsWorkAndCountsIt(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("clip");
        var queued = await farm.TaskOf(job.Id);

        var assigned = await farm.Store.InTransactionAsync(tx => tx.AssignQueuedTaskAsync(queued.Id), CancellationToken.None);

        Assert.NotNull(assigned);
        Assert.Equal((TaskState.Assigned, TaskWait.None, (DateTimeOffset?)null), (assigned.State, assigned.WaitingFor, assigned.NotBefore));
        Assert.Equal(queued.Work, assigned.Work);
        Assert.Equal(queued.Requirements.Serialize(), assigned.Requirements.Serialize());
        var stored = await farm.TaskOf(job.Id);
        Assert.Equal(TaskState.Assigned, stored.State);
        var counts = await farm.Store.CountTasksByStateAsync(CancellationToken.None);
        Assert.Equal(1, counts[TaskState.Assigned]);
        Assert.False(counts.ContainsKey(TaskState.Queued));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AssignQueuedTask_NotQueued_ReturnsNullAndChangesNothing(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("clip");
        var task = await farm.TaskOf(job.Id);
        await farm.Catalog.CancelAsync(job.Id, CancellationToken.None);

        var assigned = await farm.Store.InTransactionAsync(tx => tx.AssignQueuedTaskAsync(task.Id), CancellationToken.None);

        Assert.Null(assigned);
        Assert.Equal(TaskState.Canceled, (await farm.TaskOf(job.Id)).State);
        Assert.Empty(await farm.Store.GetAttemptsAsync(job.Id, CancellationToken.None));
    }
}
