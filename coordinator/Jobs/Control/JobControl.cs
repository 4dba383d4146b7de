using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs.Control;

/// <summary>
/// What operators do to a job that is already in the farm: change its priority, pause it and resume it. A pause is a row
/// beside the job (<c>rf_job_pauses</c>); the dispatcher passes over a paused job's QUEUED tasks, attempts already
/// running finish, and the job keeps its state (QUEUED or RUNNING) with the pause shown on it.
/// </summary>
public sealed class JobControl(IJobStore store, IWorkSignals signals, TimeProvider time)
{
    public const int MinPriority = -100;
    public const int MaxPriority = 100;

    /// <summary>Sets the job's priority and that of its tasks that have not ended, so queued ones move at once.</summary>
    public async Task<JobRecord> SetPriorityAsync(string jobId, int priority, CancellationToken cancellationToken)
    {
        if (priority is < MinPriority or > MaxPriority)
        {
            throw new JobValidationException([$"priority: {priority} is outside {MinPriority}..{MaxPriority} (higher runs first)"]);
        }

        var job = await store.InTransactionAsync(async tx =>
        {
            var (job, tasks) = await tx.FindJobWithTasksAsync(jobId);
            if (job is null) throw new JobNotFoundException(jobId);
            EnsureNotEnded(job, "change its priority");
            var spec = job.Spec.Clone();
            spec.Priority = priority;
            var updated = job with { Spec = spec };
            await tx.UpdateJobAsync(updated);
            foreach (var task in tasks.Where(t => !TaskStateMachine.IsTerminal(t.State) && t.Priority != priority))
            {
                await tx.UpdateTaskAsync(task with { Priority = priority });
            }

            return updated;
        }, cancellationToken);
        signals.WorkAvailable();
        return job;
    }

    /// <summary>Pauses a job that has not ended: nothing new of it is dispatched until <see cref="ResumeAsync"/>.</summary>
    public async Task<JobRecord> PauseAsync(string jobId, string pausedBy, string reason, CancellationToken cancellationToken)
    {
        var pause = new JobPause { PausedBy = pausedBy, Reason = reason.Trim(), PauseTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()) };
        return await store.InTransactionAsync(async tx =>
        {
            var job = await tx.FindJobAsync(jobId) ?? throw new JobNotFoundException(jobId);
            EnsureNotEnded(job, "pause it");
            if (job.IsRecurring)
            {
                throw new JobStateConflictException($"job '{jobId}' is a recurring schedule; pause its runs (farmctl jobs), or cancel the schedule (farmctl cancel {jobId})");
            }

            await tx.SetJobPauseAsync(jobId, pause);
            return job;
        }, cancellationToken);
    }

    /// <summary>Resumes a paused job (a job that is not paused is left as it is); its queued tasks are dispatched again.</summary>
    public async Task<JobRecord> ResumeAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await store.InTransactionAsync(async tx =>
        {
            var job = await tx.FindJobAsync(jobId) ?? throw new JobNotFoundException(jobId);
            await tx.SetJobPauseAsync(jobId, null);
            return job;
        }, cancellationToken);
        signals.WorkAvailable();
        return job;
    }

    private static void EnsureNotEnded(JobRecord job, string what)
    {
        if (JobStateRollup.IsTerminal(job.State))
        {
            throw new JobStateConflictException($"job '{job.Id}' has already ended ({job.State}); cannot {what}");
        }
    }
}
