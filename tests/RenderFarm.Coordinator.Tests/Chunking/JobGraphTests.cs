using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Chunking;

/// <summary>The task graph of a chunked job on the real store with a fake clock: plan, release, fail, blocklist, retry.</summary>
public sealed class JobGraphTests : IAsyncLifetime
{
    private readonly DomainHarness _h = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync()
    {
        _h.Options.Chunking.MinInputDuration = TimeSpan.Zero;
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    private static ProbeResult Probe(double seconds = 12)
    {
        var probe = new ProbeResult { DurationSeconds = seconds, FrameCount = (ulong)(seconds * 30), OutputFrameRate = "30/1", HasAudio = true };
        for (var i = 0; i < seconds; i++) probe.Marks.Add(new FrameMark { Index = (ulong)(i * 30), TimeSeconds = i, Keyframe = true });
        return probe;
    }

    private async Task<JobRecord> PlannedJobAsync(uint maxRetries = 3)
    {
        var job = await _h.SubmitAsync(maxRetries: maxRetries, change: s => s.ChunkDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(4)));
        var probe = await _h.AssignAsync(job.Id);
        Assert.Equal(Fence.Accepted, await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = probe.Id, Probe = Probe() }, None));
        return job;
    }

    private async Task<IReadOnlyList<TaskRecord>> TasksAsync(string jobId) => await _h.Store.GetTasksAsync(jobId, None);

    private async Task<AttemptRecord> AssignAsync(string taskId, string agent) =>
        await _h.Attempts.TryAssignAsync((await _h.Store.GetTasksAsync(taskId[..taskId.LastIndexOf('-')], None)).Single(t => t.Id == taskId), agent, None)
        ?? throw new InvalidOperationException("not assignable");

    [Fact]
    public async Task ProbeSucceeds_PlansChunksAudioAndAWaitingStitch()
    {
        var job = await PlannedJobAsync();

        var tasks = await TasksAsync(job.Id);
        var chunks = tasks.Where(t => t.Kind == TaskKind.Chunk).OrderBy(t => t.Work.Chunk.Index).ToList();
        Assert.Equal(3, chunks.Count);
        Assert.Equal(360ul, chunks.Aggregate(0ul, (sum, c) => sum + c.Work.Chunk.FrameCount));
        Assert.All(chunks, c => Assert.Equal((TaskState.Queued, job.Seq), (c.State, c.Seq)));
        Assert.All(chunks, c => Assert.StartsWith(".renderfarm-job-" + job.Id + "/chunk-", c.Work.Output.Path));
        Assert.Equal(TaskState.Queued, tasks.Single(t => t.Kind == TaskKind.Audio).State);
        var stitch = tasks.Single(t => t.Kind == TaskKind.Stitch);
        Assert.Equal((TaskState.Waiting, TaskWait.Tasks), (stitch.State, stitch.WaitingFor));
        Assert.Equal(chunks.Select(c => c.Work.Output), stitch.Work.Stitch.Chunks);
        Assert.Equal(JobState.Running, (await _h.JobOf(job.Id)).State);
    }

    [Fact]
    public async Task ProbeSucceeds_TheAudioWeighsItsDurationInChunkFrames_ForLongestFirstDispatch()
    {
        _h.Options.Chunking.AudioFramesPerSecond = 2;
        var job = await PlannedJobAsync();

        var tasks = await TasksAsync(job.Id);
        Assert.Equal(24ul, tasks.Single(t => t.Kind == TaskKind.Audio).Work.WeightFrames); // 12 s: after the 120-frame chunks
        Assert.All(tasks.Where(t => t.Kind == TaskKind.Chunk), c => Assert.True(c.Work.Chunk.FrameCount > 24));
    }

    [Fact]
    public async Task EveryChunkAndAudioSucceed_QueueTheStitchWithTheirFrames()
    {
        var job = await PlannedJobAsync();

        foreach (var part in (await TasksAsync(job.Id)).Where(t => t.Kind is TaskKind.Chunk or TaskKind.Audio))
        {
            Assert.Equal(TaskState.Waiting, (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch).State);
            var attempt = await AssignAsync(part.Id, "agent-a");
            await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = part.Work.Chunk?.FrameCount ?? 0 } }, None);
        }

        var stitch = (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch);
        Assert.Equal(TaskState.Queued, stitch.State);
        Assert.Equal(360ul, stitch.Work.Stitch.ExpectedFrames);
        var attemptOnStitch = await AssignAsync(stitch.Id, "agent-b");
        await _h.Attempts.CompleteAsync("agent-b", new TaskCompleted { AttemptId = attemptOnStitch.Id, Output = new OutputInfo { FrameCount = 360, Path = "out.mp4" } }, None);
        var done = await _h.JobOf(job.Id);
        Assert.Equal((JobState.Succeeded, 360ul), (done.State, done.Result!.FrameCount));
    }

    [Fact]
    public async Task StitchFindsADamagedChunk_OnlyThatChunkRendersAgain_ThenTheStitchRunsAgain()
    {
        var job = await PlannedJobAsync();
        var parts = (await TasksAsync(job.Id)).Where(t => t.Kind is TaskKind.Chunk or TaskKind.Audio).ToList();
        foreach (var part in parts)
        {
            var attempt = await AssignAsync(part.Id, "agent-a");
            await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = part.Work.Chunk?.FrameCount ?? 0 } }, None);
        }

        var stitch = (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch);
        var first = await AssignAsync(stitch.Id, "agent-b");
        var failed = new TaskFailed { AttemptId = first.Id, FailureClass = FailureClass.Transient, Message = "chunk(s) 2 do not decode cleanly" };
        failed.DamagedChunks.Add(1);
        Assert.Equal(Fence.Accepted, await _h.Attempts.FailAsync("agent-b", failed, None));

        var tasks = await TasksAsync(job.Id);
        var chunks = tasks.Where(t => t.Kind == TaskKind.Chunk).OrderBy(t => t.Work.Chunk.Index).ToList();
        Assert.Equal([TaskState.Succeeded, TaskState.Queued, TaskState.Succeeded], chunks.Select(c => c.State));
        stitch = tasks.Single(t => t.Kind == TaskKind.Stitch);
        Assert.Equal((TaskState.Waiting, TaskWait.Tasks, 1), (stitch.State, stitch.WaitingFor, stitch.FailedAttempts));
        Assert.Equal(JobState.Running, (await _h.JobOf(job.Id)).State);

        var again = await AssignAsync(chunks[1].Id, "agent-c");
        await _h.Attempts.CompleteAsync("agent-c", new TaskCompleted { AttemptId = again.Id, Output = new OutputInfo { FrameCount = 120 } }, None);

        stitch = (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch);
        Assert.Equal((TaskState.Queued, 360ul), (stitch.State, stitch.Work.Stitch.ExpectedFrames));
    }

    [Fact]
    public async Task ChunksSucceedInAnyOrder_TheStitchCarriesTheirVerifiedOutputsInChunkOrder_AndARenderAgainReplacesOne()
    {
        var job = await PlannedJobAsync();
        static OutputInfo Verified(TaskRecord chunk, string sha) => new()
        {
            FrameCount = chunk.Work.Chunk.FrameCount, Sha256 = sha, SizeBytes = 1000 + chunk.Work.Chunk.Index,
            ChunkProof = new ChunkProof { PacketDigest = "digest-" + sha, ParameterSetsSha256 = "SHA256:sets" },
        };
        var parts = (await TasksAsync(job.Id)).Where(t => t.Kind is TaskKind.Chunk or TaskKind.Audio).OrderByDescending(t => t.Id).ToList();
        foreach (var part in parts)
        {
            var attempt = await AssignAsync(part.Id, "agent-a");
            var output = part.Kind == TaskKind.Chunk ? Verified(part, $"sha-{part.Work.Chunk.Index}") : new OutputInfo { DurationSeconds = 12 };
            await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = output }, None);
        }

        var stitch = (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch);
        Assert.Equal(["sha-0", "sha-1", "sha-2"], stitch.Work.Stitch.ChunkOutputs.Select(o => o.Sha256));
        Assert.Equal("digest-sha-1", stitch.Work.Stitch.ChunkOutputs[1].ChunkProof.PacketDigest);
        Assert.Equal(360ul, stitch.Work.Stitch.ExpectedFrames);

        var first = await AssignAsync(stitch.Id, "agent-b");
        var failed = new TaskFailed { AttemptId = first.Id, FailureClass = FailureClass.Transient, Message = "chunk(s) 3 changed after they were verified" };
        failed.DamagedChunks.Add(2);
        await _h.Attempts.FailAsync("agent-b", failed, None);
        var chunk = (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Chunk && t.Work.Chunk.Index == 2);
        var again = await AssignAsync(chunk.Id, "agent-c");
        await _h.Attempts.CompleteAsync("agent-c", new TaskCompleted { AttemptId = again.Id, Output = Verified(chunk, "sha-2-again") }, None);

        stitch = (await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch);
        Assert.Equal(TaskState.Queued, stitch.State);
        Assert.Equal(["sha-0", "sha-1", "sha-2-again"], stitch.Work.Stitch.ChunkOutputs.Select(o => o.Sha256));
    }

    [Fact]
    public async Task StitchFindsDamagedChunksPastTheRetryLimit_JobFails()
    {
        var job = await PlannedJobAsync(maxRetries: 0);
        foreach (var part in (await TasksAsync(job.Id)).Where(t => t.Kind is TaskKind.Chunk or TaskKind.Audio))
        {
            var attempt = await AssignAsync(part.Id, "agent-a");
            await _h.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = part.Work.Chunk?.FrameCount ?? 0 } }, None);
        }

        var stitch = await AssignAsync((await TasksAsync(job.Id)).Single(t => t.Kind == TaskKind.Stitch).Id, "agent-b");
        var failed = new TaskFailed { AttemptId = stitch.Id, FailureClass = FailureClass.Transient, Message = "chunk(s) 1 do not decode cleanly" };
        failed.DamagedChunks.Add(0);
        await _h.Attempts.FailAsync("agent-b", failed, None);

        var done = await _h.JobOf(job.Id);
        Assert.Equal(JobState.Failed, done.State);
        Assert.Contains("do not decode cleanly", done.Error);
    }

    [Fact]
    public async Task ChunksFailOnOneAgent_ThatAgentIsPassedOverForTheWholeJob()
    {
        var job = await PlannedJobAsync(maxRetries: 5);
        var chunks = (await TasksAsync(job.Id)).Where(t => t.Kind == TaskKind.Chunk).ToList();

        for (var i = 0; i < _h.Options.BlocklistAfterFailures; i++)
        {
            var attempt = await AssignAsync(chunks[i].Id, "flaky");
            await _h.Attempts.FailAsync("flaky", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Transient, Message = "ffmpeg crashed" }, None);
        }

        Assert.All((await TasksAsync(job.Id)).Where(t => t.State != TaskState.Succeeded), t => Assert.True(t.IsBlocked("flaky"), $"{t.Id} is not blocked"));
        Assert.False((await TasksAsync((await _h.SubmitAsync("other")).Id)).Single().IsBlocked("flaky"));
    }

    [Fact]
    public async Task ChunkFailsForGood_OthersAreCanceledAndTheirAgentsStopped_JobFails_RetryRunsEveryChunkAgain()
    {
        var job = await PlannedJobAsync();
        var chunks = (await TasksAsync(job.Id)).Where(t => t.Kind == TaskKind.Chunk).ToList();
        var running = await AssignAsync(chunks[1].Id, "agent-b");
        var done = await AssignAsync(chunks[2].Id, "agent-c");
        await _h.Attempts.CompleteAsync("agent-c", new TaskCompleted { AttemptId = done.Id, Output = new OutputInfo { FrameCount = 120 } }, None);
        var bad = await AssignAsync(chunks[0].Id, "agent-a");

        await _h.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = bad.Id, FailureClass = FailureClass.BadInput, Message = "input is damaged at 00:00:02" }, None);

        var failed = await _h.JobOf(job.Id);
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Contains("damaged", failed.Error);
        Assert.Contains(("agent-b", running.Id, true), _h.Signals.Stops);
        var tasks = await TasksAsync(job.Id);
        Assert.Equal(TaskState.Canceled, tasks.Single(t => t.Id == chunks[1].Id).State);
        Assert.Equal(TaskState.Canceled, tasks.Single(t => t.Kind == TaskKind.Stitch).State);

        var retried = await _h.Catalog.RetryAsync(job.Id, None);

        Assert.Equal(JobState.Running, retried.State);
        tasks = await TasksAsync(job.Id);
        Assert.All(tasks.Where(t => t.Kind is TaskKind.Chunk or TaskKind.Audio), t => Assert.Equal(TaskState.Queued, t.State));
        Assert.Equal(TaskState.Succeeded, tasks.Single(t => t.Kind == TaskKind.Probe).State);
        Assert.Equal(TaskState.Waiting, tasks.Single(t => t.Kind == TaskKind.Stitch).State);
    }

    [Fact]
    public async Task ShortInput_ProbeLeadsToOneWholeRender()
    {
        _h.Options.Chunking.MinInputDuration = TimeSpan.FromSeconds(60);
        var job = await PlannedJobAsync();

        var tasks = await TasksAsync(job.Id);
        Assert.Equal([TaskKind.Probe, TaskKind.Render], tasks.Select(t => t.Kind).OrderBy(k => k == TaskKind.Render));
        Assert.Equal(TaskState.Queued, tasks.Single(t => t.Kind == TaskKind.Render).State);
    }
}
