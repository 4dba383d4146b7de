using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>Assigning a QUEUED task: the stored row changes state and keeps its work, and the counts by state follow.</summary>
public sealed class AssignTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TryAssign_Queued_StoresTheTaskAssignedWithItsWorkAndCountsIt(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("clip");
        var queued = await farm.TaskOf(job.Id);

        var attempt = await farm.Attempts.TryAssignAsync(queued, "agent-a", CancellationToken.None);

        Assert.Equal(("agent-a", queued.Id), (attempt?.AgentId, attempt?.TaskId));
        var stored = await farm.TaskOf(job.Id);
        Assert.Equal((TaskState.Assigned, TaskWait.None, (DateTimeOffset?)null), (stored.State, stored.WaitingFor, stored.NotBefore));
        Assert.Equal(queued.Work, stored.Work);
        Assert.Equal(queued.Requirements.Serialize(), stored.Requirements.Serialize());
        var counts = await farm.Store.CountTasksByStateAsync(CancellationToken.None);
        Assert.Equal(1, counts[TaskState.Assigned]);
        Assert.False(counts.ContainsKey(TaskState.Queued));
    }
}
