using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Storage;

/// <summary>A job with its tasks (by id) and their attempts (by start), read as of one commit.</summary>
public sealed record JobSnapshot(JobRecord Job, IReadOnlyList<TaskRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts)
{
    /// <summary>Groups the rows of one snapshot read by job: its tasks by id, its attempts in the order read.</summary>
    public static IReadOnlyList<JobSnapshot> Assemble(List<JobRecord> jobs, List<TaskRecord> tasks, List<AttemptRecord> attempts)
    {
        var tasksByJob = TasksByJob(tasks);
        var attemptsByJob = attempts.ToLookup(a => a.JobId, StringComparer.Ordinal);
        return jobs.Select(j => new JobSnapshot(j, tasksByJob[j.Id].ToList(), attemptsByJob[j.Id].ToList())).ToList();
    }

    /// <summary>Tasks read for several jobs, grouped by job, each job's in id order (a list read leaves the order to the caller).</summary>
    public static ILookup<string, TaskRecord> TasksByJob(IEnumerable<TaskRecord> tasks) =>
        tasks.OrderBy(t => t.Id, StringComparer.Ordinal).ToLookup(t => t.JobId, StringComparer.Ordinal);
}
