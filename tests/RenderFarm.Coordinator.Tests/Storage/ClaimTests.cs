using System.Data.Common;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>A dispatch pass claims its tasks in one read; each task is handed out once, and only while it is QUEUED.</summary>
public sealed class ClaimTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TryAssignMany_TaskListedTwiceOrNoLongerQueued_EachQueuedTaskClaimedOnce(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var jobs = new[] { await farm.SubmitAsync("a"), await farm.SubmitAsync("b"), await farm.SubmitAsync("c") };
        var tasks = await Task.WhenAll(jobs.Select(j => farm.TaskOf(j.Id)));
        await farm.Catalog.CancelAsync(jobs[1].Id, CancellationToken.None);

        var claimed = await farm.Attempts.TryAssignManyAsync(
            [(tasks[0], "agent-a"), (tasks[0], "agent-b"), (tasks[1], "agent-c"), (tasks[2], "agent-d")], CancellationToken.None);

        Assert.Equal("agent-a", claimed[0]?.AgentId);
        Assert.Null(claimed[1]);
        Assert.Null(claimed[2]);
        Assert.Equal("agent-d", claimed[3]?.AgentId);
        Assert.Single(await farm.Store.GetAttemptsAsync(jobs[0].Id, CancellationToken.None));
        Assert.Empty(await farm.Store.GetAttemptsAsync(jobs[1].Id, CancellationToken.None));
        Assert.Equal((TaskState.Assigned, JobState.Running), ((await farm.TaskOf(jobs[0].Id)).State, (await farm.JobOf(jobs[0].Id)).State));
        Assert.Equal((TaskState.Canceled, JobState.Canceled), ((await farm.TaskOf(jobs[1].Id)).State, (await farm.JobOf(jobs[1].Id)).State));
        Assert.Equal(TaskState.Assigned, (await farm.TaskOf(jobs[2].Id)).State);
    }

    [Fact]
    public async Task TryAssignMany_TaskLockedByAnotherCoordinatorsClaim_SkipsItWithoutWaiting()
    {
        await using var farm = await DomainHarness.ForAsync("postgres");
        var first = await farm.TaskOf((await farm.SubmitAsync("a")).Id);
        var second = await farm.TaskOf((await farm.SubmitAsync("b")).Id);
        await using var other = await ((SqlJobStore)farm.Store).OpenConnectionAsync(CancellationToken.None);
        await using (var lockIt = await other.BeginTransactionAsync())
        {
            await ExecuteAsync(other, lockIt, $"SELECT id FROM rf_tasks WHERE id = '{first.Id}' FOR UPDATE");

            var claimed = await farm.Attempts.TryAssignManyAsync([(first, "agent-a"), (second, "agent-b")], CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Null(claimed[0]);
            Assert.Equal("agent-b", claimed[1]?.AgentId);
            await lockIt.RollbackAsync();
        }

        var later = await farm.Attempts.TryAssignManyAsync([(first, "agent-c")], CancellationToken.None);
        Assert.Equal("agent-c", later[0]?.AgentId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ClaimAndComplete_SetOnlyWhatChanged_EveryOtherColumnKeepsItsValue(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("a", priority: 7);
        var queued = await farm.TaskOf(job.Id);
        var attempt = await farm.AssignAsync(job.Id);
        var renewedTo = farm.Time.GetUtcNow().AddHours(1);

        // One transaction renews the lease, then ends the attempt from the record it read before the renewal.
        await farm.Store.InTransactionAsync(async tx =>
        {
            var before = (await tx.FindAttemptAsync(attempt.Id))!;
            await tx.RenewLeaseAsync(attempt.Id, renewedTo);
            await tx.UpdateAttemptAsync(before with { Error = "note", Frames = 7 });
            return true;
        }, CancellationToken.None);
        Assert.Equal(Fence.Accepted, await farm.Attempts.CompleteAsync(attempt.AgentId,
            new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { Path = "out.mp4", FrameCount = 9 } }, CancellationToken.None));

        var stored = (await farm.Store.FindAttemptAsync(attempt.Id, CancellationToken.None))!;
        var task = await farm.TaskOf(job.Id);
        var ended = await farm.JobOf(job.Id);
        // The update built from the older record writes the lease it carries, as setting every column would.
        Assert.Equal((AttemptOutcome.Succeeded, 9L, "note", attempt.LeaseExpiry), (stored.Outcome, stored.Frames, stored.Error, stored.LeaseExpiry));
        Assert.Equal(queued with { State = TaskState.Succeeded }, task with { Work = queued.Work, Requirements = queued.Requirements, BlockedAgents = queued.BlockedAgents });
        Assert.Equal(queued.Work, task.Work);
        Assert.Equal(queued.Requirements.Serialize(), task.Requirements.Serialize());
        Assert.Equal((JobState.Succeeded, job.Spec, job.Seq, job.CreateTime), (ended.State, ended.Spec, ended.Seq, ended.CreateTime));
        Assert.Equal("out.mp4", ended.Result?.Path);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
