using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.JobEvent.Types.Kind;

namespace RenderFarm.Coordinator.Watching;

/// <summary>Names the change between the job the log last carried and the job as it is now.</summary>
public static class JobEventKinds
{
    /// <summary>
    /// The kind of event, or null when nothing a watcher sees has changed.
    /// <paramref name="previous"/> is null when the log carries no active job by that id.
    /// <paramref name="endAnnounced"/> says the log already carried this job's FINISHED (so a later change
    /// is a retry, and a repeated end is no news); <paramref name="isNew"/> says the job was submitted
    /// since the coordinator started and the log has not carried it yet.
    /// </summary>
    public static Kind? Classify(Job? previous, Job current, bool isNew, bool endAnnounced)
    {
        var ended = JobStateRollup.IsTerminal(current.State);
        if (previous is null)
        {
            if (ended) return endAnnounced ? null : Kind.Finished;
            return isNew && !endAnnounced ? Kind.Submitted : Kind.Changed;
        }

        if (ended) return Kind.Finished;
        if (current.State == JobState.Running && previous.State != JobState.Running) return Kind.Started;
        if (current.State != previous.State) return Kind.Changed;
        if (!WithoutProgress(current).Equals(WithoutProgress(previous))) return Kind.Changed;
        return current.Equals(previous) ? null : Kind.Progressed;
    }

    private static Job WithoutProgress(Job job)
    {
        var copy = job.Clone();
        copy.Percent = 0;
        copy.TimeLeft = null;
        foreach (var task in copy.Tasks)
        {
            task.Percent = 0;
            task.Fps = 0;
            task.Speed = 0;
            task.TimeLeft = null;
        }

        return copy;
    }
}
