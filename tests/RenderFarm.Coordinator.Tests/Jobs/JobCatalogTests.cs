using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Jobs;

public sealed class JobCatalogTests : IAsyncLifetime
{
    private readonly DomainHarness _h = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Submit_ValidSpec_StoresQueuedJobWithOneTask()
    {
        var job = await _h.SubmitAsync();

        Assert.Equal(JobState.Queued, (await _h.JobOf(job.Id)).State);
        var task = await _h.TaskOf(job.Id);
        Assert.Equal(TaskState.Queued, task.State);
        Assert.Equal("libx264", task.Requirements.Encoder);
        Assert.Equal(new MediaRef { Root = "media", Path = "clip.mov" }, task.Work.Input);
        Assert.True(_h.Signals.Wakeups > 0);
    }

    [Fact]
    public async Task GetQueuedTasks_MixedPriorities_HighestFirstThenFifo()
    {
        var low = await _h.SubmitAsync("low", priority: 0);
        var high1 = await _h.SubmitAsync("high1", priority: 50);
        var high2 = await _h.SubmitAsync("high2", priority: 50);

        var order = (await _h.Store.GetQueuedTasksAsync(10, None)).Select(t => t.JobId).ToList();

        Assert.Equal([high1.Id, high2.Id, low.Id], order);
    }

    [Fact]
    public async Task Cancel_RunningJob_CancelsAttemptAndTellsAgent()
    {
        var job = await _h.SubmitAsync();
        var attempt = await _h.AssignAsync(job.Id);

        var canceled = await _h.Catalog.CancelAsync(job.Id, None);

        Assert.Equal(JobState.Canceled, canceled.State);
        Assert.Contains(_h.Signals.Stops, s => s.Attempt == attempt.Id && s.Canceled);
        var stored = (await _h.Store.GetAttemptsAsync(job.Id, None)).Single();
        Assert.Equal(AttemptOutcome.Canceled, stored.Outcome);
    }

    [Fact]
    public async Task Cancel_FinishedJob_IsConflict()
    {
        var job = await _h.SubmitAsync();
        await _h.Catalog.CancelAsync(job.Id, None);

        var ex = await Assert.ThrowsAsync<JobStateConflictException>(() => _h.Catalog.CancelAsync(job.Id, None));
        Assert.Contains("already ended", ex.Message);
    }

    [Fact]
    public async Task Retry_CanceledJob_QueuesAgainWithFreshBudget()
    {
        var job = await _h.SubmitAsync();
        await _h.Catalog.CancelAsync(job.Id, None);

        var retried = await _h.Catalog.RetryAsync(job.Id, None);

        Assert.Equal(JobState.Queued, retried.State);
        Assert.Null(retried.EndTime);
        Assert.Equal(TaskState.Queued, (await _h.TaskOf(job.Id)).State);
    }

    [Fact]
    public async Task Retry_QueuedJob_IsConflict()
    {
        var job = await _h.SubmitAsync();
        await Assert.ThrowsAsync<JobStateConflictException>(() => _h.Catalog.RetryAsync(job.Id, None));
    }

    [Fact]
    public async Task Get_UnknownJob_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<JobNotFoundException>(() => _h.Catalog.GetAsync("job-000000000000", None));
    }

    [Fact]
    public async Task List_MoreJobsThanPage_PagesNewestFirstWithoutOverlap()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await _h.SubmitAsync($"c{i}")).Id);

        var (first, next) = await _h.Catalog.ListAsync(JobListFilter.All, 2, null, None);
        var (second, next2) = await _h.Catalog.ListAsync(JobListFilter.All, 2, next, None);
        var (third, next3) = await _h.Catalog.ListAsync(JobListFilter.All, 2, next2, None);

        Assert.Equal([ids[4], ids[3]], first.Select(j => j.Id));
        Assert.Equal([ids[2], ids[1]], second.Select(j => j.Id));
        Assert.Equal([ids[0]], third.Select(j => j.Id));
        Assert.Null(next3);
    }
}
