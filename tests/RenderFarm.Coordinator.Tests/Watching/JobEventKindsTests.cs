using RenderFarm.Coordinator.Watching;
using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.JobEvent.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Watching;

public sealed class JobEventKindsTests
{
    private static Job Job(JobState state, double percent = 0, uint failedAttempts = 0)
    {
        var left = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(100 - percent));
        var job = new Job { Id = "job-1", State = state, Percent = percent, TimeLeft = left };
        job.Tasks.Add(new RenderTask { Id = "job-1-t0", State = TaskState.Running, Percent = percent, Fps = percent / 2, FailedAttempts = failedAttempts, TimeLeft = left });
        return job;
    }

    [Fact]
    public void Classify_UnseenNewJob_Submitted() =>
        Assert.Equal(Kind.Submitted, JobEventKinds.Classify(null, Job(JobState.Queued), isNew: true, endAnnounced: false));

    [Fact]
    public void Classify_UnseenJobFromBeforeTheStart_Changed() =>
        Assert.Equal(Kind.Changed, JobEventKinds.Classify(null, Job(JobState.Queued), isNew: false, endAnnounced: false));

    [Fact]
    public void Classify_RetriedAfterItsEnd_Changed() =>
        Assert.Equal(Kind.Changed, JobEventKinds.Classify(null, Job(JobState.Queued), isNew: true, endAnnounced: true));

    [Fact]
    public void Classify_EndAlreadyAnnounced_Nothing() =>
        Assert.Null(JobEventKinds.Classify(null, Job(JobState.Succeeded), isNew: true, endAnnounced: true));

    [Fact]
    public void Classify_EndedUnseen_Finished() =>
        Assert.Equal(Kind.Finished, JobEventKinds.Classify(null, Job(JobState.Canceled), isNew: true, endAnnounced: false));

    [Fact]
    public void Classify_QueuedToRunning_Started() =>
        Assert.Equal(Kind.Started, JobEventKinds.Classify(Job(JobState.Queued), Job(JobState.Running), false, false));

    [Fact]
    public void Classify_RunningToWaiting_Changed() =>
        Assert.Equal(Kind.Changed, JobEventKinds.Classify(Job(JobState.Running), Job(JobState.Waiting), false, false));

    [Fact]
    public void Classify_RunningToFailed_Finished() =>
        Assert.Equal(Kind.Finished, JobEventKinds.Classify(Job(JobState.Running, 40), Job(JobState.Failed, 40), false, false));

    [Fact]
    public void Classify_OnlyProgress_Progressed() =>
        Assert.Equal(Kind.Progressed, JobEventKinds.Classify(Job(JobState.Running, 10), Job(JobState.Running, 20), false, false));

    [Fact]
    public void Classify_ProgressAndAnotherField_Changed() =>
        Assert.Equal(Kind.Changed, JobEventKinds.Classify(Job(JobState.Running, 10), Job(JobState.Running, 20, failedAttempts: 1), false, false));

    [Fact]
    public void Classify_Unchanged_Nothing() =>
        Assert.Null(JobEventKinds.Classify(Job(JobState.Running, 10), Job(JobState.Running, 10), false, false));
}
