using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>The same farm behaviour on every store: SQLite (embedded) and PostgreSQL (several coordinators).</summary>
public sealed class StoreContractTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SubmitAssignComplete_ReadsBackEveryFieldAndCount(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var low = await farm.SubmitAsync("low", priority: 0);
        var high = await farm.SubmitAsync("high", priority: 5);

        var queued = await farm.Store.GetQueuedTasksAsync(10, CancellationToken.None);
        Assert.Equal([high.Id, low.Id], queued.Select(t => t.JobId));
        Assert.Equal("libx264", queued[0].Requirements.Encoder);
        Assert.Equal(high.Spec, (await farm.JobOf(high.Id)).Spec);

        var attempt = await farm.AssignAsync(high.Id, "agent-a");
        Assert.Null(await farm.Attempts.TryAssignAsync(queued[0], "agent-b", CancellationToken.None));
        var output = new OutputInfo { Path = "out.mp4", FrameCount = 120, DurationSeconds = 4 };
        Assert.Equal(Fence.Accepted, await farm.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = output }, CancellationToken.None));
        Assert.Equal(Fence.Duplicate, await farm.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = attempt.Id, Output = output }, CancellationToken.None));

        var done = await farm.JobOf(high.Id);
        Assert.Equal((JobState.Succeeded, 120UL), (done.State, done.Result!.FrameCount));
        var stored = Assert.Single(await farm.Store.GetAttemptsAsync(high.Id, CancellationToken.None));
        Assert.Equal((AttemptOutcome.Succeeded, "agent-a", 120L), (stored.Outcome, stored.AgentId, stored.Frames));
        Assert.Equal(1, (await farm.Store.CountJobsByStateAsync(CancellationToken.None))[JobState.Succeeded]);
        Assert.Equal(1, (await farm.Store.CountTasksByStateAsync(CancellationToken.None))[TaskState.Queued]);
        Assert.Equal((1, 0, 120L), (await farm.Store.GetFinishedSinceAsync([farm.Time.GetUtcNow().AddMinutes(-1)], CancellationToken.None))[0]);
        Assert.Equal(low.Id, (await farm.Store.FindOldestQueuedAsync(CancellationToken.None))!.Value.JobId);
        Assert.Equal(high.Seq, await farm.Store.GetMaxSeqAsync(CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Complete_WithATimeline_StoresItWithTheAttemptAndGetJobReturnsIt(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("clip");
        var attempt = await farm.AssignAsync(job.Id, "agent-a");
        var start = farm.Time.GetUtcNow();
        var timeline = new TaskTimeline();
        foreach (var (name, from, to) in new[] { ("received", 0, 0), ("probe", 1, 40), ("ffmpeg", 41, 2041), ("verify", 2042, 2090) })
        {
            timeline.Phases.Add(new TaskPhase
            {
                Name = name,
                StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start.AddMilliseconds(from)),
                EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start.AddMilliseconds(to)),
            });
        }

        var report = new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { Path = "out.mp4", FrameCount = 60 }, Timeline = timeline };
        Assert.Equal(Fence.Accepted, await farm.Attempts.CompleteAsync("agent-a", report, CancellationToken.None));

        var stored = Assert.Single(await farm.Store.GetAttemptsAsync(job.Id, CancellationToken.None));
        Assert.Equal(timeline, stored.Timeline);
        var read = Assert.Single(Assert.Single(await farm.Store.ReadJobsAsync([job.Id], CancellationToken.None)).Attempts);
        Assert.Equal(["received", "probe", "ffmpeg", "verify"], read.Timeline!.Phases.Select(p => p.Name));
        Assert.Equal(timeline, read.Timeline);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task PublishGrant_RecordedWithTheLease_ReplacedByTheNextAttempt_AndSweptWhenTheTaskEnds(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("clip");
        var task = await farm.TaskOf(job.Id);
        var first = await farm.AssignAsync(job.Id, "agent-a");
        var firstOutput = new OutputInfo { Path = "/media/clip-proxy.mp4", SizeBytes = 1234, Sha256 = new string('a', 64), FrameCount = 60, VideoCodec = "h264" };
        Assert.True((await farm.Attempts.GrantPublishAsync("agent-a", first.Id, firstOutput, CancellationToken.None)).Granted);

        var grant = await farm.Store.FindPublishGrantAsync(task.Id, CancellationToken.None);
        Assert.NotNull(grant);
        Assert.Equal((task.Id, first.Id, job.Id, "media", "clip-proxy.mp4", 1234L, new string('a', 64)),
            (grant.TaskId, grant.AttemptId, grant.JobId, grant.Output.Root, grant.Output.Path, grant.SizeBytes, grant.Sha256));
        Assert.Equal(firstOutput, grant.Published);

        // The first attempt is lost (nothing at the path), the second is granted: its grant replaces the first's.
        await farm.Attempts.ExpireAsync(_ => true, "agent lost", CancellationToken.None);
        var second = await farm.AssignAsync(job.Id, "agent-b");
        var secondOutput = new OutputInfo { Path = "/media/clip-proxy.mp4", SizeBytes = 999, Sha256 = new string('b', 64), FrameCount = 60 };
        Assert.True((await farm.Attempts.GrantPublishAsync("agent-b", second.Id, secondOutput, CancellationToken.None)).Granted);
        grant = await farm.Store.FindPublishGrantAsync(task.Id, CancellationToken.None);
        Assert.Equal((second.Id, 999L, new string('b', 64)), (grant!.AttemptId, grant.SizeBytes, grant.Sha256));

        Assert.Equal(0, await farm.Attempts.SweepPublishGrantsAsync(CancellationToken.None));
        await farm.Attempts.CompleteAsync("agent-b", new TaskCompleted { AttemptId = second.Id, Output = secondOutput }, CancellationToken.None);
        Assert.Equal(1, await farm.Attempts.SweepPublishGrantsAsync(CancellationToken.None));
        Assert.Null(await farm.Store.FindPublishGrantAsync(task.Id, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ListJobs_FiltersByStateAndPagesNewestFirst(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 5; i++) jobs.Add(await farm.SubmitAsync($"clip{i}"));
        await farm.Catalog.CancelAsync(jobs[1].Id, CancellationToken.None);

        var page1 = await farm.Store.ListJobsAsync([], null, 2, CancellationToken.None);
        var page2 = await farm.Store.ListJobsAsync([], page1[^1].Seq, 10, CancellationToken.None);
        Assert.Equal(jobs.Select(j => j.Id).Reverse(), page1.Concat(page2).Select(j => j.Id));
        var canceled = await farm.Store.ListJobsAsync([JobState.Canceled], null, 10, CancellationToken.None);
        Assert.Equal(jobs[1].Id, Assert.Single(canceled).Id);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task FindJobs_ReadsTheExistingOnesOfAListInOneCall(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 3; i++) jobs.Add(await farm.SubmitAsync($"clip{i}"));

        var found = await farm.Store.FindJobsAsync([jobs[2].Id, "job-missing", jobs[0].Id], CancellationToken.None);

        Assert.Equal(new[] { jobs[0].Id, jobs[2].Id }.Order(), found.Select(j => j.Id).Order());
        Assert.Equal("clip2", found.Single(j => j.Id == jobs[2].Id).Spec.Name);
        Assert.Empty(await farm.Store.FindJobsAsync([], CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ReadJobs_GivesEachExistingJobItsOwnTasksAndAttempts(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 3; i++) jobs.Add(await farm.SubmitAsync($"clip{i}"));
        var first = await farm.AssignAsync(jobs[0].Id);
        var third = await farm.AssignAsync(jobs[2].Id);

        var read = await farm.Store.ReadJobsAsync([jobs[2].Id, "job-missing", jobs[1].Id, jobs[0].Id], CancellationToken.None);

        Assert.Equal(jobs.Select(j => j.Id).Order(), read.Select(s => s.Job.Id).Order());
        foreach (var (job, attempt) in new[] { (jobs[0], first), (jobs[1], null), (jobs[2], third) })
        {
            var snapshot = read.Single(s => s.Job.Id == job.Id);
            Assert.Equal((await farm.TaskOf(job.Id)).Id, Assert.Single(snapshot.Tasks).Id);
            Assert.Equal(attempt is null ? [] : [attempt.Id], snapshot.Attempts.Select(a => a.Id));
        }

        Assert.Equal((JobState.Running, JobState.Queued), (read.Single(s => s.Job.Id == jobs[0].Id).Job.State, read.Single(s => s.Job.Id == jobs[1].Id).Job.State));
        Assert.Empty(await farm.Store.ReadJobsAsync([], CancellationToken.None));
        Assert.Null((await farm.Store.ReadJobAsync("job-missing", CancellationToken.None)).Job);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task OneDispatchPass_RollsUpEveryJobItClaimedFrom_AndOnlyThose(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 4; i++) jobs.Add(await farm.SubmitAsync($"clip{i}"));
        var tasks = new List<TaskRecord>();
        foreach (var job in jobs.Take(3)) tasks.Add(await farm.TaskOf(job.Id));

        var claimed = await farm.Attempts.TryAssignManyAsync([(tasks[2], "agent-a"), (tasks[0], "agent-b"), (tasks[2], "agent-c"), (tasks[1], "agent-d")], CancellationToken.None);

        Assert.Equal([true, true, false, true], claimed.Select(a => a is not null));
        var read = await farm.Store.InTransactionAsync(tx => tx.FindJobsWithTasksAsync([jobs[3].Id, "job-missing", jobs[0].Id, jobs[2].Id, jobs[1].Id]), CancellationToken.None);
        Assert.Equal(jobs.Select(j => j.Id).Order(StringComparer.Ordinal), read.Select(r => r.Job.Id));
        foreach (var (job, jobTasks) in read)
        {
            var expected = job.Id == jobs[3].Id ? (JobState.Queued, TaskState.Queued, (DateTimeOffset?)null) : (JobState.Running, TaskState.Assigned, farm.Time.GetUtcNow());
            Assert.Equal(expected, (job.State, Assert.Single(jobTasks).State, job.StartTime));
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CompletionsReportedTogether_EachIsFencedOnItsOwn_AndEveryJobIsRolledUp(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var jobs = new List<JobRecord>();
        var attempts = new List<AttemptRecord>();
        for (var i = 0; i < 4; i++)
        {
            jobs.Add(await farm.SubmitAsync($"clip{i}"));
            attempts.Add(await farm.AssignAsync(jobs[i].Id, $"agent-{i}"));
        }

        farm.Time.Advance(TimeSpan.FromSeconds(7));
        TaskCompleted Report(string attemptId, uint frames) => new() { AttemptId = attemptId, Output = new OutputInfo { Path = "out.mp4", FrameCount = frames } };
        // Queued back to back, so they are committed together (or in as few transactions as the batches allow).
        var fences = await Task.WhenAll(
            farm.Attempts.CompleteAsync("agent-0", Report(attempts[0].Id, 10), CancellationToken.None),
            farm.Attempts.CompleteAsync("agent-0", Report(attempts[0].Id, 10), CancellationToken.None),
            farm.Attempts.CompleteAsync("agent-x", Report(attempts[1].Id, 11), CancellationToken.None),
            farm.Attempts.CompleteAsync("agent-2", Report(attempts[2].Id, 12), CancellationToken.None),
            farm.Attempts.CompleteAsync("agent-9", Report("att-missing", 13), CancellationToken.None),
            farm.Attempts.CompleteAsync("agent-3", Report(attempts[3].Id, 14), CancellationToken.None));

        Assert.Equal([Fence.Accepted, Fence.Duplicate, Fence.Stale, Fence.Accepted, Fence.Stale, Fence.Accepted], fences);
        var now = farm.Time.GetUtcNow();
        foreach (var (job, frames) in new[] { (jobs[0], 10UL), (jobs[2], 12UL), (jobs[3], 14UL) })
        {
            var ended = await farm.JobOf(job.Id);
            Assert.Equal((JobState.Succeeded, now, frames), (ended.State, ended.EndTime, ended.Result!.FrameCount));
            Assert.Equal(TaskState.Succeeded, (await farm.TaskOf(job.Id)).State);
            var attempt = Assert.Single(await farm.Store.GetAttemptsAsync(job.Id, CancellationToken.None));
            Assert.Equal((AttemptOutcome.Succeeded, now), (attempt.Outcome, attempt.EndTime));
        }

        Assert.Equal((JobState.Running, TaskState.Assigned), ((await farm.JobOf(jobs[1].Id)).State, (await farm.TaskOf(jobs[1].Id)).State));
        var counts = await farm.Store.CountTasksByStateAsync(CancellationToken.None);
        Assert.Equal((3, 1), (counts.GetValueOrDefault(TaskState.Succeeded), counts.GetValueOrDefault(TaskState.Assigned)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task JobsThatEndTogether_EachReleasesOnlyItsOwnDependents(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var first = await farm.SubmitAsync("first");
        var second = await farm.SubmitAsync("second");
        var afterFirst = await farm.SubmitAsync("after-first", change: s => s.DependsOn.Add(first.Id));
        var afterBoth = await farm.SubmitAsync("after-both", change: s => s.DependsOn.AddRange([first.Id, second.Id]));
        var afterThird = await farm.SubmitAsync("after-third", change: s => s.DependsOn.Add(afterFirst.Id));
        var a = await farm.AssignAsync(first.Id, "agent-a");
        var b = await farm.AssignAsync(second.Id, "agent-b");

        var fences = await Task.WhenAll(
            farm.Attempts.CompleteAsync("agent-a", new TaskCompleted { AttemptId = a.Id, Output = new OutputInfo { Path = "a.mp4" } }, CancellationToken.None),
            farm.Attempts.CompleteAsync("agent-b", new TaskCompleted { AttemptId = b.Id, Output = new OutputInfo { Path = "b.mp4" } }, CancellationToken.None));

        Assert.Equal([Fence.Accepted, Fence.Accepted], fences);
        foreach (var released in new[] { afterFirst, afterBoth })
        {
            Assert.Equal((JobState.Queued, TaskState.Queued), ((await farm.JobOf(released.Id)).State, (await farm.TaskOf(released.Id)).State));
        }

        Assert.Equal((JobState.Waiting, TaskState.Waiting), ((await farm.JobOf(afterThird.Id)).State, (await farm.TaskOf(afterThird.Id)).State));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TransientFailure_WaitsOutABackoff_KeepsItsLogAndDrainSurvives(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var job = await farm.SubmitAsync("flaky", maxRetries: 2);
        var attempt = await farm.AssignAsync(job.Id);
        var size = await farm.Store.InTransactionAsync(tx => tx.AppendLogAsync(attempt, 0, "frame=1\nframe=2\n"u8.ToArray(), 1024), CancellationToken.None);
        Assert.Equal(16, size);
        await farm.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = attempt.Id, FailureClass = FailureClass.Transient, Message = "ffmpeg crashed", ExitCode = 139 }, CancellationToken.None);

        var task = await farm.TaskOf(job.Id);
        Assert.Equal((TaskState.Waiting, TaskWait.Backoff, 1), (task.State, task.WaitingFor, task.FailedAttempts));
        var (timed, _) = await farm.Store.GetTimedWorkAsync(CancellationToken.None);
        Assert.Equal(task.Id, Assert.Single(timed).Id);
        Assert.Equal("frame=2\n", System.Text.Encoding.UTF8.GetString(await farm.Store.ReadLogAsync(attempt.Id, 8, 100, CancellationToken.None)));
        var failed = Assert.Single(await farm.Store.GetAttemptsAsync(job.Id, CancellationToken.None));
        Assert.Equal((AttemptOutcome.Failed, 139, "ffmpeg crashed"), (failed.Outcome, failed.ExitCode, failed.Error));

        await farm.Store.InTransactionAsync(async tx => { await tx.SetAgentDrainAsync("agent-a", true, "disk swap", farm.Time.GetUtcNow()); return 0; }, CancellationToken.None);
        await farm.Store.InTransactionAsync(async tx => { await tx.SetAgentDrainAsync("agent-a", true, "new disk", farm.Time.GetUtcNow()); return 0; }, CancellationToken.None);
        Assert.Equal("new disk", (await farm.Store.GetDrainedAgentsAsync(CancellationToken.None))["agent-a"]);
    }

    [Fact]
    public async Task TwoCoordinatorsOnOneDatabase_ClaimingTheSameTasks_HandEachOutOnce()
    {
        await using var farm = await DomainHarness.ForAsync("postgres");
        var other = await DomainHarness.NewPostgresStoreAsync(((PostgresJobStore)farm.Store).ConnectionString);
        await other.InitializeAsync(CancellationToken.None);
        await using var _ = other;
        var otherAttempts = new AttemptLifecycle(other, Options.Create(farm.Options), farm.Releases, new JobEvents(), new LiveProgress(), farm.Signals,
            new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10), () => 0.5), new FarmMetrics(), farm.Published, farm.Time, NullLogger<AttemptLifecycle>.Instance);
        for (var i = 0; i < 30; i++) await farm.SubmitAsync($"clip{i}");
        var tasks = await farm.Store.GetQueuedTasksAsync(100, CancellationToken.None);

        var claims = await Task.WhenAll(
            Task.Run(() => ClaimAll(farm.Attempts, tasks, "agent-a")),
            Task.Run(() => ClaimAll(otherAttempts, tasks.Reverse().ToList(), "agent-b")));

        Assert.Equal(30, claims.Sum(c => c.Count));
        Assert.Equal(30, claims.SelectMany(c => c).Distinct().Count());
        Assert.Empty(await farm.Store.GetQueuedTasksAsync(100, CancellationToken.None));
        Assert.Equal(30, (await farm.Store.GetRunningAttemptsAsync(CancellationToken.None)).Count);

        static async Task<List<string>> ClaimAll(AttemptLifecycle attempts, IEnumerable<TaskRecord> tasks, string agent)
        {
            var won = new List<string>();
            foreach (var task in tasks)
            {
                if (await attempts.TryAssignAsync(task, agent, CancellationToken.None) is { } attempt) won.Add(attempt.TaskId);
            }

            return won;
        }
    }

    [Fact]
    public async Task CommitOnOneCoordinator_IsHeardByTheOther()
    {
        await using var farm = await DomainHarness.ForAsync("postgres");
        await using var other = await DomainHarness.NewPostgresStoreAsync(((PostgresJobStore)farm.Store).ConnectionString);
        await other.InitializeAsync(CancellationToken.None);
        var heard = new TaskCompletionSource<StoreCommit>(TaskCreationOptions.RunContinuationsAsynchronously);
        other.Committed += c => { if (c.ChangedJobs.Count > 0) heard.TrySetResult(c); };

        var job = await farm.SubmitAsync("seen-elsewhere");

        var commit = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((job.Id, true), (Assert.Single(commit.ChangedJobs), commit.TasksQueued));
    }

    [Fact]
    public async Task FailingLastWorkOfAGroup_ItsChangesAreNotAnnounced_TheOthersAre()
    {
        await using var farm = await DomainHarness.ForAsync("postgres");
        await using var other = await DomainHarness.NewPostgresStoreAsync(((PostgresJobStore)farm.Store).ConnectionString);
        await other.InitializeAsync(CancellationToken.None);
        var heard = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var heardGood = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var earlier = await farm.SubmitAsync("earlier");
        other.Committed += c =>
        {
            foreach (var id in c.ChangedJobs) heard.Enqueue(id);
            if (c.ChangedJobs.Contains("job-good-one")) heardGood.TrySetResult();
        };

        // Held, so the two pieces of work below share the next transaction, the broken one last: the notices of a
        // transaction travel with its last piece of work's writes.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = farm.Store.InTransactionAsync(async _ =>
        {
            started.SetResult();
            await release.Task;
            return true;
        }, CancellationToken.None);
        await started.Task;
        var good = farm.Store.InTransactionAsync(async tx =>
        {
            await tx.InsertJobAsync(earlier with { Id = "job-good-one", Seq = earlier.Seq + 1000 });
            return true;
        }, CancellationToken.None);
        var broken = farm.Store.InTransactionAsync(async tx =>
        {
            // Fails when its batch runs: the row does not exist.
            await tx.UpdateJobAsync(earlier with { Id = "job-never-stored", Error = "x" });
            return true;
        }, CancellationToken.None);
        release.SetResult();

        Assert.True(await held);
        Assert.True(await good);
        await Assert.ThrowsAsync<InvalidOperationException>(() => broken);
        await heardGood.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(await farm.Store.FindJobAsync("job-good-one", CancellationToken.None));
        Assert.DoesNotContain("job-never-stored", heard);
    }
}
