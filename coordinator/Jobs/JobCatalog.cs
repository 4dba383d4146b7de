using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>What editors do to jobs: submit, read, list, cancel and retry.</summary>
public sealed class JobCatalog(
    IJobStore store,
    JobValidator validator,
    JobSequence sequence,
    JobEvents events,
    IWorkSignals signals,
    TimeProvider time)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public async Task<JobRecord> SubmitAsync(JobSpec? spec, CancellationToken cancellationToken)
    {
        var valid = validator.Validate(spec);
        var now = time.GetUtcNow();
        var seq = sequence.Next();
        var jobId = Ids.NewJobId();
        var job = new JobRecord(jobId, valid.Spec, JobState.Queued, seq, now, null, null, null, null);
        var work = valid.Work.Clone();
        work.JobId = jobId;
        work.TaskId = Ids.TaskId(jobId, 0);
        var task = new TaskRecord(work.TaskId, jobId, TaskState.Queued, valid.Spec.Priority, seq, work, valid.Requirements, 0, 0, valid.MaxRetries, null);
        await store.InTransactionAsync(async tx =>
        {
            await tx.InsertJobAsync(job);
            await tx.InsertTaskAsync(task);
            return true;
        }, cancellationToken);
        events.Publish(jobId);
        signals.WorkAvailable();
        return job;
    }

    public async Task<JobRecord> GetAsync(string jobId, CancellationToken cancellationToken) =>
        await store.FindJobAsync(jobId, cancellationToken) ?? throw new JobNotFoundException(jobId);

    public async Task<(IReadOnlyList<JobRecord> Jobs, long? NextBeforeSeq)> ListAsync(
        IReadOnlyCollection<JobState> states, int pageSize, long? beforeSeq, CancellationToken cancellationToken)
    {
        var size = pageSize == 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);
        var jobs = await store.ListJobsAsync(states, beforeSeq, size + 1, cancellationToken);
        return jobs.Count > size ? (jobs.Take(size).ToList(), jobs[size - 1].Seq) : (jobs, null);
    }

    public async Task<JobRecord> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stopped = new List<AttemptRecord>();
        var job = await store.InTransactionAsync(async tx =>
        {
            var job = await tx.FindJobAsync(jobId) ?? throw new JobNotFoundException(jobId);
            if (JobStateRollup.IsTerminal(job.State))
            {
                throw new JobStateConflictException($"job '{jobId}' has already ended ({job.State}); nothing to cancel");
            }

            foreach (var task in await tx.GetTasksAsync(jobId))
            {
                if (TaskStateMachine.IsTerminal(task.State)) continue;
                foreach (var attempt in await tx.GetRunningAttemptsForTaskAsync(task.Id))
                {
                    var canceled = attempt with { Outcome = AttemptOutcome.Canceled, EndTime = now, Error = "canceled by request" };
                    await tx.UpdateAttemptAsync(canceled);
                    stopped.Add(canceled);
                }

                await tx.UpdateTaskAsync(task.MoveTo(TaskState.Canceled) with { NotBefore = null });
            }

            return await JobRollup.ApplyAsync(tx, jobId, now, error: "canceled by request");
        }, cancellationToken);

        foreach (var attempt in stopped)
        {
            signals.StopAttempt(attempt.AgentId, attempt.Id, canceled: true, "the job was canceled");
        }

        events.Publish(jobId);
        return job;
    }

    public async Task<JobRecord> RetryAsync(string jobId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var job = await store.InTransactionAsync(async tx =>
        {
            var job = await tx.FindJobAsync(jobId) ?? throw new JobNotFoundException(jobId);
            if (job.State is not (JobState.Failed or JobState.Canceled))
            {
                throw new JobStateConflictException($"job '{jobId}' is {job.State}; only failed or canceled jobs can be retried");
            }

            foreach (var task in await tx.GetTasksAsync(jobId))
            {
                if (task.State is not (TaskState.Failed or TaskState.Canceled)) continue;
                await tx.UpdateTaskAsync(task.MoveTo(TaskState.Queued) with { FailedAttempts = 0, LostAttempts = 0, NotBefore = null });
            }

            await tx.UpdateJobAsync(job with { EndTime = null, Error = null });
            return await JobRollup.ApplyAsync(tx, jobId, now);
        }, cancellationToken);

        signals.WorkAvailable();
        events.Publish(jobId);
        return job;
    }
}
