using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>
/// Many callers' transactions share commits: each caller still gets its own answer, only after its change is
/// committed, and one caller's stale report or error never fails or undoes another's.
/// </summary>
public sealed class GroupCommitTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ConcurrentCompletions_EachCommitsOnceAndIsAnsweredOnce(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var attempts = await AssignedAsync(farm, 40);

        // Every agent reports twice at once (a report resent after a reconnect): one is accepted, one is a duplicate.
        var reports = attempts.SelectMany(a => new[] { a, a }).Select(a => farm.Attempts.CompleteAsync(a.AgentId, Completed(a), CancellationToken.None));
        var fences = await Task.WhenAll(reports);

        Assert.Equal(attempts.Count, fences.Count(f => f == Fence.Accepted));
        Assert.Equal(attempts.Count, fences.Count(f => f == Fence.Duplicate));
        foreach (var attempt in attempts)
        {
            var job = await farm.JobOf(attempt.JobId);
            Assert.Equal(JobState.Succeeded, job.State);
            var stored = Assert.Single(await farm.Store.GetAttemptsAsync(attempt.JobId, CancellationToken.None));
            Assert.Equal((AttemptOutcome.Succeeded, 24L), (stored.Outcome, stored.Frames));
        }

        Assert.Equal(attempts.Count, (await farm.Store.CountJobsByStateAsync(CancellationToken.None))[JobState.Succeeded]);
        Assert.Equal((attempts.Count, 0, 24L * attempts.Count), (await farm.Store.GetFinishedSinceAsync([farm.Time.GetUtcNow().AddMinutes(-1)], CancellationToken.None))[0]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StaleReportInAGroup_IsRefusedWhileTheOthersCommit(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var attempts = await AssignedAsync(farm, 20);
        var victim = attempts[7];

        // An impostor's report about someone else's lease sits among the real reports of the same moment.
        var real = attempts.Select(a => farm.Attempts.CompleteAsync(a.AgentId, Completed(a), CancellationToken.None)).ToList();
        var impostor = farm.Attempts.CompleteAsync("agent-impostor", Completed(victim), CancellationToken.None);
        var failed = farm.Attempts.FailAsync("agent-impostor", new TaskFailed { AttemptId = victim.Id, Message = "not mine" }, CancellationToken.None);

        Assert.All(await Task.WhenAll(real), f => Assert.Equal(Fence.Accepted, f));
        Assert.Equal(Fence.Stale, await impostor);
        Assert.Equal(Fence.Stale, await failed);
        var stored = Assert.Single(await farm.Store.GetAttemptsAsync(victim.JobId, CancellationToken.None));
        Assert.Equal((AttemptOutcome.Succeeded, victim.AgentId), (stored.Outcome, stored.AgentId));
        Assert.Equal(attempts.Count, (await farm.Store.CountJobsByStateAsync(CancellationToken.None))[JobState.Succeeded]);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task FailingWorkInAGroup_FailsAloneAndLosesNothingElse(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var attempts = await AssignedAsync(farm, 20);
        var (first, blocker) = await HoldWriterAsync(farm);
        var reports = attempts.Take(10).Select(a => farm.Attempts.CompleteAsync(a.AgentId, Completed(a), CancellationToken.None)).ToList();
        var broken = farm.Store.InTransactionAsync<bool>(async tx =>
        {
            // A change made before the error must be undone with it.
            var job = (await tx.FindJobAsync(attempts[15].JobId))!;
            await tx.UpdateJobAsync(job with { Error = "half-done change" });
            throw new InvalidOperationException("this work is broken");
        }, CancellationToken.None);
        reports.AddRange(attempts.Skip(10).Select(a => farm.Attempts.CompleteAsync(a.AgentId, Completed(a), CancellationToken.None)));
        blocker.SetResult();

        Assert.True(await first);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => broken);
        Assert.Equal("this work is broken", error.Message);
        Assert.All(await Task.WhenAll(reports), f => Assert.Equal(Fence.Accepted, f));
        Assert.Equal(attempts.Count, (await farm.Store.CountJobsByStateAsync(CancellationToken.None))[JobState.Succeeded]);
        Assert.Null((await farm.JobOf(attempts[15].JobId)).Error);
    }

    [Fact]
    public async Task QueuedWork_SharesOneCommitAndIsAnsweredAfterIt()
    {
        await using var farm = new DomainHarness();
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 30; i++) jobs.Add(await farm.SubmitAsync($"clip{i}"));
        var commits = new List<int>();
        farm.Store.Committed += c => commits.Add(c.ChangedJobs.Count);
        var tasks = new List<TaskRecord>();
        foreach (var job in jobs) tasks.Add(await farm.TaskOf(job.Id));
        var (first, blocker) = await HoldWriterAsync(farm);
        var claims = tasks.Select((t, i) => farm.Attempts.TryAssignAsync(t, $"agent-{i}", CancellationToken.None)).ToList();
        Assert.All(claims, c => Assert.False(c.IsCompleted));

        blocker.SetResult();
        await first;
        var attempts = await Task.WhenAll(claims);

        // The held transaction committed alone; the 30 claims that queued behind it shared the next commit.
        Assert.Equal([0, 30], commits);
        Assert.Equal(30, attempts.Select(a => a!.TaskId).Distinct().Count());
        Assert.Equal(30, (await farm.Store.GetRunningAttemptsAsync(CancellationToken.None)).Count);
    }

    /// <summary>Starts a transaction whose work waits until released, so what is queued meanwhile forms the next group.</summary>
    private static async Task<(Task<bool> Held, TaskCompletionSource Release)> HoldWriterAsync(DomainHarness farm)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = farm.Store.InTransactionAsync(async tx =>
        {
            started.SetResult();
            await release.Task;
            return true;
        }, CancellationToken.None);
        await started.Task;
        return (held, release);
    }

    private static async Task<List<AttemptRecord>> AssignedAsync(DomainHarness farm, int count)
    {
        var attempts = new List<AttemptRecord>();
        for (var i = 0; i < count; i++)
        {
            var job = await farm.SubmitAsync($"clip{i}");
            attempts.Add(await farm.AssignAsync(job.Id, $"agent-{i}"));
        }

        return attempts;
    }

    private static TaskCompleted Completed(AttemptRecord attempt) =>
        new() { AttemptId = attempt.Id, Output = new OutputInfo { Path = "out.mp4", FrameCount = 24, DurationSeconds = 1 } };
}
