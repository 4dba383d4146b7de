using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>Job control through the real gRPC surface: priority, pause and resume, cancel and retry by filter.</summary>
public sealed class JobControlTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task PauseJob_QueuedJob_IsNotDispatchedUntilResumed_AndSaysWhoPausedIt()
    {
        var job = await SubmitAsync("paused");
        var paused = (await _farm.Jobs.PauseJobAsync(new PauseJobRequest { JobId = job.Id, Reason = "client review" })).Job;
        Assert.Equal(("bootstrap", "client review"), (paused.Pause.PausedBy, paused.Pause.Reason));

        await _farm.StartAgentAsync("agent-a");
        var other = await SubmitAsync("other");
        await _farm.WaitForJobAsync(other.Id, j => j.State == JobState.Succeeded, TimeSpan.FromSeconds(60));

        var held = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;
        Assert.Equal(JobState.Queued, held.State);
        Assert.Empty(held.Tasks[0].Attempts);
        Assert.Equal(WaitReason.Types.Kind.Paused, held.Tasks[0].WaitReason.Kind);
        Assert.Contains("paused by bootstrap", held.Tasks[0].WaitReason.Message);
        Assert.Contains("client review", held.Tasks[0].WaitReason.Message);
        Assert.NotNull((await _farm.Jobs.ListJobsAsync(new ListJobsRequest())).Jobs.Single(j => j.Id == job.Id).Pause);

        var resumed = (await _farm.Jobs.ResumeJobAsync(new ResumeJobRequest { JobId = job.Id })).Job;
        Assert.Null(resumed.Pause);
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(60));
        Assert.True(done.State == JobState.Succeeded, done.Error);
    }

    [Fact]
    public async Task PauseJob_WhileRunning_LetsTheRunningAttemptFinish()
    {
        await _farm.StartAgentAsync("agent-a");
        var job = await SubmitAsync("running", TestClips.LongAsync());
        await _farm.WaitForJobAsync(job.Id, j => j.State == JobState.Running, TimeSpan.FromSeconds(60));

        await _farm.Jobs.PauseJobAsync(new PauseJobRequest { JobId = job.Id });
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        Assert.Single(done.Tasks[0].Attempts);
    }

    [Fact]
    public async Task SetJobPriority_QueuedJob_IsDispatchedBeforeOlderJobs()
    {
        var first = await SubmitAsync("first");
        var second = await SubmitAsync("second");
        var raised = (await _farm.Jobs.SetJobPriorityAsync(new SetJobPriorityRequest { JobId = second.Id, Priority = 50 })).Job;
        Assert.Equal(50, raised.Spec.Priority);

        await _farm.StartAgentAsync("agent-a", slots: 1);
        var a = await _farm.WaitForJobAsync(first.Id, j => j.State == JobState.Succeeded, TimeSpan.FromSeconds(90));
        var b = await _farm.WaitForJobAsync(second.Id, j => j.State == JobState.Succeeded, TimeSpan.FromSeconds(90));
        Assert.True(b.Tasks[0].Attempts[0].StartTime.ToDateTimeOffset() < a.Tasks[0].Attempts[0].StartTime.ToDateTimeOffset(),
            "the job raised to priority 50 should start before the older job at priority 0");
    }

    [Fact]
    public async Task SetJobPriority_BadValuesAndEndedJobs_GetClearStatuses()
    {
        var job = await SubmitAsync("job");
        var outside = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.SetJobPriorityAsync(new SetJobPriorityRequest { JobId = job.Id, Priority = 101 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, outside.StatusCode);
        Assert.Contains("-100..100", outside.Status.Detail);

        await _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = job.Id });
        var ended = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.SetJobPriorityAsync(new SetJobPriorityRequest { JobId = job.Id, Priority = 5 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ended.StatusCode);
        var paused = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.PauseJobAsync(new PauseJobRequest { JobId = job.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, paused.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.PauseJobAsync(new PauseJobRequest { JobId = "j-nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task CancelJobs_DryRunChangesNothing_ThenCancelsOnlyTheMatches_AndRetryJobsQueuesThemAgain()
    {
        var test1 = await SubmitAsync("test-1");
        var test2 = await SubmitAsync("test-2");
        var keep = await SubmitAsync("keep-1");
        var filter = new JobFilter { NamePattern = "test-*" };
        filter.States.Add(JobState.Queued);

        var dry = await _farm.Jobs.CancelJobsAsync(new CancelJobsRequest { Filter = filter, DryRun = true });
        Assert.Equal(new[] { test1.Id, test2.Id }.Order(), dry.Jobs.Select(j => j.Id).Order());
        Assert.All(dry.Jobs, j => Assert.Equal(JobState.Queued, j.State));
        Assert.Equal(JobState.Queued, (await GetAsync(test1.Id)).State);

        var canceled = await _farm.Jobs.CancelJobsAsync(new CancelJobsRequest { Filter = filter });
        Assert.All(canceled.Jobs, j => Assert.Equal(JobState.Canceled, j.State));
        Assert.Equal((JobState.Canceled, JobState.Canceled, JobState.Queued),
            ((await GetAsync(test1.Id)).State, (await GetAsync(test2.Id)).State, (await GetAsync(keep.Id)).State));

        var retried = await _farm.Jobs.RetryJobsAsync(new RetryJobsRequest { Filter = new JobFilter { NamePattern = "test-?" } });
        Assert.Equal(2, retried.Jobs.Count);
        Assert.Equal(JobState.Queued, (await GetAsync(test2.Id)).State);
    }

    [Fact]
    public async Task CancelJobs_ByBatch_DryRunChangesNothing_ThenOnlyThatBatchsJobsAreCanceledAndRetried()
    {
        var clips = Directory.CreateDirectory(Path.Combine(_farm.MediaDir, "clips")).FullName;
        var inputs = new[] { "a.mp4", "b.mp4" };
        foreach (var name in inputs) await TestClips.CopyAsync(TestClips.SdrAsync(), Path.Combine(clips, name));
        await new RecipeService.RecipeServiceClient(_farm.Channel).SaveRecipeAsync(new SaveRecipeRequest { Recipe = Recipes.RecipeServiceTests.Proxy(pattern: "proxies/{name}.mp4") });
        var batch = (await new BatchService.BatchServiceClient(_farm.Channel).SubmitBatchAsync(new SubmitBatchRequest
        {
            Recipe = "proxy-for-resolve", Inputs = { inputs.Select(n => Path.Combine(clips, n)) },
        })).Batch;
        var keep = await SubmitAsync("a.mp4"); // the same name as a batch job, outside the batch
        var filter = new JobFilter { BatchId = batch.Id };

        var dry = await _farm.Jobs.CancelJobsAsync(new CancelJobsRequest { Filter = filter, DryRun = true });
        Assert.Equal(2, dry.Jobs.Count);
        Assert.All(dry.Jobs, j => Assert.Equal((batch.Id, JobState.Queued), (j.Spec.BatchId, j.State)));
        foreach (var job in dry.Jobs) Assert.Equal(JobState.Queued, (await GetAsync(job.Id)).State);

        var canceled = await _farm.Jobs.CancelJobsAsync(new CancelJobsRequest { Filter = filter });
        Assert.Equal(dry.Jobs.Select(j => j.Id).Order(), canceled.Jobs.Select(j => j.Id).Order());
        Assert.All(canceled.Jobs, j => Assert.Equal(JobState.Canceled, j.State));
        Assert.Equal(JobState.Queued, (await GetAsync(keep.Id)).State);

        var retried = await _farm.Jobs.RetryJobsAsync(new RetryJobsRequest { Filter = filter });
        Assert.Equal(dry.Jobs.Select(j => j.Id).Order(), retried.Jobs.Select(j => j.Id).Order());
        foreach (var job in retried.Jobs) Assert.Equal(JobState.Queued, (await GetAsync(job.Id)).State);
        var unknown = await _farm.Jobs.CancelJobsAsync(new CancelJobsRequest { Filter = new JobFilter { BatchId = "batch-000000000000" }, DryRun = true });
        Assert.Empty(unknown.Jobs);
    }

    [Fact]
    public async Task CancelJobs_AnEditor_CancelsOnlyItsOwnJobs_AndIsToldWhichItPassedOver()
    {
        var mine = new JobService.JobServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("alice", Role.Editor)));
        var own = (await mine.SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync("render-alice") })).Job;
        var theirs = await SubmitAsync("render-op");

        var response = await mine.CancelJobsAsync(new CancelJobsRequest { Filter = new JobFilter { NamePattern = "render-*" } });
        Assert.Equal(own.Id, Assert.Single(response.Jobs).Id);
        var skipped = Assert.Single(response.Skipped);
        Assert.Equal(theirs.Id, skipped.JobId);
        Assert.Contains("only the jobs it submitted", skipped.Reason);
        Assert.Equal(JobState.Queued, (await GetAsync(theirs.Id)).State);

        var empty = await Assert.ThrowsAsync<RpcException>(() => mine.CancelJobsAsync(new CancelJobsRequest { Filter = new JobFilter() }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("--state", empty.Status.Detail);
    }

    private async Task<Job> GetAsync(string id) => (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = id })).Job;

    private async Task<Job> SubmitAsync(string name, Task<string>? clip = null) =>
        (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = await SpecAsync(name, clip) })).Job;

    private async Task<JobSpec> SpecAsync(string name, Task<string>? clip = null)
    {
        var input = Path.Combine(_farm.MediaDir, name + ".mp4");
        await TestClips.CopyAsync(clip ?? TestClips.SdrAsync(), input);
        return new JobSpec
        {
            Name = name,
            InputPath = input,
            OutputPath = Path.Combine(_farm.MediaDir, "out-" + name + ".mp4"),
            Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        };
    }
}
