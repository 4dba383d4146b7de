using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Cli.Top;
using RenderFarm.Protos.V1;
using static RenderFarm.Cli.Tests.Support.SampleFarm;

namespace RenderFarm.Cli.Tests.Top;

public sealed class FarmModelTests
{
    private static readonly WaitReason SlotsBusy = new() { Kind = WaitReason.Types.Kind.SlotsBusy };

    private static FarmEvent FirstSnapshot()
    {
        var stats = new GetQueueStatsResponse
        {
            OldestQueuedJobId = "q-old",
            OldestQueuedAge = Duration.FromTimeSpan(TimeSpan.FromMinutes(7)),
            Jobs = { new JobStateCount { State = JobState.Succeeded, Count = 120 }, new JobStateCount { State = JobState.Failed, Count = 3 } },
        };
        return Snapshot(
            10,
            [Agent("render-07", AgentState.Busy, 2, Running("r1", 42, 30)), Agent("render-03", AgentState.Idle)],
            [SampleJobs.Running("r1", 42, 30, 1.2), Queued("q-old", SlotsBusy, createdMinutesBeforeStart: 30), Queued("q-new", SlotsBusy, createdMinutesBeforeStart: 2)],
            stats);
    }

    [Fact]
    public void Apply_Snapshot_ReplacesEverythingAndGoesLive()
    {
        var model = new FarmModel();

        Assert.Equal(FarmUpdate.Applied, model.Apply(FirstSnapshot()));

        Assert.True(model.IsLive);
        Assert.Equal(10UL, model.Sequence);
        Assert.Equal(["render-03", "render-07"], model.Agents.Select(a => a.Name).Order());
        Assert.Equal(["q-new", "q-old", "r1"], model.ActiveJobs.Select(j => j.Id).Order());
        var counts = model.JobCounts();
        Assert.Equal((2L, 1L, 120L, 3L, 0L), (counts[JobState.Queued], counts[JobState.Running], counts[JobState.Succeeded], counts[JobState.Failed], counts[JobState.Canceled]));
        Assert.Equal((2L, 1L), (model.TaskCounts()[TaskState.Queued], model.TaskCounts()[TaskState.Running]));
    }

    [Fact]
    public void Apply_Snapshot_OldestQueuedIsTheStatsJobSinceItsAge()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());

        var oldest = model.OldestQueued();

        Assert.NotNull(oldest);
        Assert.Equal("q-old", oldest.Value.Job.Id);
        Assert.Equal(Start.AddMinutes(-7), oldest.Value.Since);
    }

    [Fact]
    public void Apply_JobEvents_UpsertsAndFinishedJobsLeaveTheActiveSetAndCount()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());

        model.Apply(JobChanged(11, SampleJobs.Running("r1", 80, 31, 1.2), JobEvent.Types.Kind.Progressed));
        model.Apply(JobChanged(12, SampleJobs.Job("new", JobState.Queued), JobEvent.Types.Kind.Submitted, seconds: 5));
        var update = model.Apply(JobChanged(13, SampleJobs.Succeeded("r1"), JobEvent.Types.Kind.Finished));

        Assert.Equal(FarmUpdate.Applied, update);
        Assert.Equal(["new", "q-new", "q-old"], model.ActiveJobs.Select(j => j.Id).Order());
        Assert.Equal(121L, model.JobCounts()[JobState.Succeeded]);
        Assert.Equal(0L, model.JobCounts()[JobState.Running]);
        Assert.Equal(3L, model.JobCounts()[JobState.Queued]);
        Assert.Equal(13UL, model.Sequence);
    }

    [Fact]
    public void Apply_QueuedJobStarts_OldestQueuedMovesOn()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());

        model.Apply(JobChanged(11, SampleJobs.Running("q-old", 1, 20, 1), JobEvent.Types.Kind.Started));

        Assert.Equal("q-new", model.OldestQueued()!.Value.Job.Id);
    }

    [Fact]
    public void Apply_RunningChunkedJobWithQueuedChunks_IsTheOldestQueued()
    {
        var model = new FarmModel();
        var chunked = SampleJobs.Running("chunked", 10, 30, 1);
        chunked.Tasks.Add(new RenderTask { Id = "chunked-t2", State = TaskState.Queued, WaitReason = SlotsBusy });
        model.Apply(Snapshot(10, [Agent("render-07", AgentState.Busy, 1, Running("chunked", 10, 30))], [chunked]));

        Assert.Equal("chunked", model.OldestQueued()!.Value.Job.Id);

        var lastChunk = SampleJobs.Running("chunked", 60, 30, 1);
        model.Apply(JobChanged(11, lastChunk));
        Assert.Null(model.OldestQueued());
    }

    [Fact]
    public void Agents_AfterAJobProgressEvent_ShowTheJobsProgressNotTheAgentEventsOlderOne()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());

        model.Apply(JobChanged(11, SampleJobs.Running("r1", 70, 70, 2.3), JobEvent.Types.Kind.Progressed));

        var attempt = Assert.Single(model.Agents.Single(a => a.Name == "render-07").Running);
        Assert.Equal((70.0, 70.0), (attempt.Percent, attempt.Fps));
    }

    [Fact]
    public void Apply_AgentEvents_UpdateAndLeftAgentShowsDisconnected()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());

        model.Apply(AgentChanged(11, Agent("render-03", AgentState.Busy, 2, Running("q-new", 5, 12))));
        model.Apply(AgentChanged(12, Agent("render-07", AgentState.Busy, 2, Running("r1", 50, 30)), AgentEvent.Types.Kind.Left));
        model.Apply(AgentChanged(13, Agent("render-11", AgentState.Idle), AgentEvent.Types.Kind.Joined));

        var agents = model.Agents.ToDictionary(a => a.Name);
        Assert.Equal(AgentState.Busy, agents["render-03"].State);
        Assert.Equal("q-new", Assert.Single(agents["render-03"].Running).JobId);
        Assert.Equal(AgentState.Disconnected, agents["render-07"].State);
        Assert.Empty(agents["render-07"].Running);
        Assert.Equal(AgentState.Idle, agents["render-11"].State);
    }

    [Fact]
    public void Apply_AlreadySeenSequence_Ignored()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());

        var update = model.Apply(JobChanged(10, SampleJobs.Succeeded("r1"), JobEvent.Types.Kind.Finished));

        Assert.Equal(FarmUpdate.Ignored, update);
        Assert.Contains(model.ActiveJobs, j => j.Id == "r1");
    }

    [Fact]
    public void Apply_SequenceGap_GoesStaleAndIgnoresEventsUntilANewSnapshot()
    {
        var model = new FarmModel();
        model.Apply(FirstSnapshot());
        model.Apply(JobChanged(11, SampleJobs.Running("r1", 60, 30, 1.2)));

        var gap = model.Apply(JobChanged(14, SampleJobs.Succeeded("r1"), JobEvent.Types.Kind.Finished));
        var after = model.Apply(JobChanged(15, SampleJobs.Job("late", JobState.Queued), JobEvent.Types.Kind.Submitted));

        Assert.Equal(FarmUpdate.NeedsSnapshot, gap);
        Assert.Equal(FarmUpdate.NeedsSnapshot, after);
        Assert.False(model.IsLive);
        Assert.Equal("missed events 12-13; rejoining", model.Problem);
        Assert.Equal(60, model.ActiveJobs.Single(j => j.Id == "r1").Percent);
        Assert.DoesNotContain(model.ActiveJobs, j => j.Id == "late");

        var resnapshot = model.Apply(Snapshot(20, [Agent("render-07", AgentState.Idle)], [SampleJobs.Job("fresh", JobState.Queued)], seconds: 60));
        var next = model.Apply(JobChanged(21, SampleJobs.Running("fresh", 5, 25, 1), JobEvent.Types.Kind.Started));

        Assert.Equal((FarmUpdate.Applied, FarmUpdate.Applied), (resnapshot, next));
        Assert.True(model.IsLive);
        Assert.Null(model.Problem);
        Assert.Equal(2, model.Snapshots);
        Assert.Equal(["fresh"], model.ActiveJobs.Select(j => j.Id));
        Assert.Equal(JobState.Running, model.ActiveJobs.Single().State);
        Assert.Equal(["render-07"], model.Agents.Select(a => a.Name));
        Assert.Equal(0L, model.JobCounts()[JobState.Succeeded]);
    }

    [Fact]
    public void Apply_EventBeforeAnySnapshot_NeedsSnapshot()
    {
        var model = new FarmModel();

        var update = model.Apply(JobChanged(1, SampleJobs.Job("j", JobState.Queued)));

        Assert.Equal(FarmUpdate.NeedsSnapshot, update);
        Assert.False(model.HasSnapshot);
        Assert.Empty(model.ActiveJobs);
    }
}
