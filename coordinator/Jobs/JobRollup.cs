using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Re-derives a job's state from its tasks inside a transaction and stamps start and end times. A job that
/// ends releases or fails the jobs that depend on it, in the same transaction.
/// </summary>
internal static class JobRollup
{
    public static async Task<JobRecord> ApplyAsync(IJobTransaction tx, string jobId, DateTimeOffset now, string? error = null, OutputInfo? result = null)
    {
        var (found, tasks) = await tx.FindJobWithTasksAsync(jobId);
        var (updated, ended) = await SaveAsync(tx, found ?? throw new JobNotFoundException(jobId), tasks, now, error, result);
        if (ended) await Dependencies.OnJobsEndedAsync(tx, [updated], now);
        return updated;
    }

    /// <summary>
    /// Rolls up several jobs (no error to record; <paramref name="results"/> holds the outputs of those whose render or stitch
    /// just succeeded) from one read of them all; answers each job as updated, by id. The jobs that ended then release
    /// or fail their dependents, found with one read for them all.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, JobRecord>> ApplyManyAsync(
        IJobTransaction tx, IReadOnlyCollection<string> jobIds, DateTimeOffset now, IReadOnlyDictionary<string, OutputInfo>? results = null)
    {
        var found = await tx.FindJobsWithTasksAsync(jobIds.Distinct(StringComparer.Ordinal).ToList());
        var updated = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
        var ended = new List<JobRecord>();
        foreach (var (job, tasks) in found)
        {
            var (saved, endedNow) = await SaveAsync(tx, job, tasks, now, result: results?.GetValueOrDefault(job.Id));
            updated[job.Id] = saved;
            if (endedNow) ended.Add(saved);
        }

        if (jobIds.FirstOrDefault(id => !updated.ContainsKey(id)) is { } missing) throw new JobNotFoundException(missing);
        await Dependencies.OnJobsEndedAsync(tx, ended, now);
        return updated;
    }

    /// <summary>Saves the job as its tasks make it; says whether it has just ended.</summary>
    private static async Task<(JobRecord Job, bool Ended)> SaveAsync(IJobTransaction tx, JobRecord job, IReadOnlyList<TaskRecord> tasks, DateTimeOffset now, string? error = null, OutputInfo? result = null)
    {
        var state = JobStateRollup.From(tasks.Select(t => t.State).ToList());
        var updated = job with
        {
            State = state,
            StartTime = job.StartTime ?? (state is JobState.Running or JobState.Succeeded ? now : null),
            EndTime = JobStateRollup.IsTerminal(state) ? job.EndTime ?? now : null,
            Error = state is JobState.Failed or JobState.Canceled ? error ?? job.Error : null,
            Result = result ?? (state == JobState.Succeeded ? job.Result : null),
        };
        if (updated != job) await tx.UpdateJobAsync(updated);
        return (updated, JobStateRollup.IsTerminal(state) && !JobStateRollup.IsTerminal(job.State));
    }
}
