using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>A job's state is derived from its tasks; this is the one place that says how.</summary>
public static class JobStateRollup
{
    public static JobState From(IReadOnlyCollection<TaskState> tasks)
    {
        if (tasks.Count == 0)
        {
            throw new ArgumentException("A job has at least one task.", nameof(tasks));
        }

        // A chunk that fails for good cancels its siblings: the job failed, it was not canceled.
        if (tasks.Any(t => t == TaskState.Failed)) return JobState.Failed;
        if (tasks.Any(t => t == TaskState.Canceled)) return JobState.Canceled;
        if (tasks.All(t => t == TaskState.Succeeded)) return JobState.Succeeded;
        if (tasks.Any(t => t is TaskState.Running or TaskState.Assigned)) return JobState.Running;
        if (tasks.Any(t => t == TaskState.Succeeded)) return JobState.Running;
        if (tasks.Any(t => t == TaskState.Queued)) return JobState.Queued;
        return JobState.Waiting;
    }

    public static bool IsTerminal(JobState state) =>
        state is JobState.Succeeded or JobState.Failed or JobState.Canceled;
}
