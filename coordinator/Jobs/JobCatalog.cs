using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Storage;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>What editors do to jobs: submit, read, list, cancel and retry.</summary>
public sealed class JobCatalog(
    IJobStore store,
    JobValidator validator,
    JobSequence sequence,
    IWorkSignals signals,
    IReleaseScheduler releases,
    IRecurringScheduler recurring,
    IChainInputChecks chainInputs,
    TimeProvider time)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public async Task<JobRecord> SubmitAsync(JobSpec? spec, CancellationToken cancellationToken)
    {
        // A chain's parent is read first for its output path (which never changes); its state is checked in the transaction.
        var parent = spec is { InputFromJob.Length: > 0 and <= 100 } ? await store.FindJobAsync(spec.InputFromJob, cancellationToken) : null;
        return await SubmitAsync(validator.Validate(spec, parent), null, cancellationToken);
    }

    /// <summary>Stores a validated job: a recurring schedule, or a job whose task is queued or waits.</summary>
    internal async Task<JobRecord> SubmitAsync(JobValidator.ValidatedJob valid, string? recurringJobId, CancellationToken cancellationToken)
    {
        if (valid.Timing.Cron is { } cron) return await SubmitRecurringAsync(valid.Spec, cron, cancellationToken);

        var now = time.GetUtcNow();
        var seq = sequence.Next();
        var jobId = Ids.NewJobId();
        var work = valid.Work.Clone();
        work.JobId = jobId;
        work.TaskId = Ids.TaskId(jobId, 0);
        var start = valid.Timing.StartTime > now ? valid.Timing.StartTime : null;
        var job = await store.InTransactionAsync(async tx =>
        {
            var unmet = await Dependencies.CheckAsync(tx, valid.Timing.DependsOn);
            var chained = JobChains.IsChained(valid.Spec);
            var parentDone = chained && await JobChains.CheckParentAsync(tx, valid.Spec);
            var wait = unmet.Count > 0 || (chained && !parentDone) ? TaskWait.Dependency
                : chained ? TaskWait.Input
                : start is not null ? TaskWait.Scheduled : TaskWait.None;
            var task = new TaskRecord(work.TaskId, jobId, wait == TaskWait.None ? TaskState.Queued : TaskState.Waiting, valid.Spec.Priority, seq,
                work, valid.Requirements, 0, 0, valid.MaxRetries, wait == TaskWait.Input ? start ?? now : start, wait, valid.Timing.Limits, []);
            var job = new JobRecord(jobId, valid.Spec, JobStateRollup.From([task.State]), seq, now, null, null, null, null, RecurringJobId: recurringJobId);
            await tx.InsertJobAsync(job);
            await tx.InsertTaskAsync(task);
            await tx.InsertDependenciesAsync(jobId, JobChains.Prerequisites(valid.Spec));
            return job;
        }, cancellationToken);
        if (start is { } at) await releases.ScheduleReleaseAsync(work.TaskId, at, cancellationToken);
        if (job.State == JobState.Waiting && JobChains.IsChained(job.Spec)) chainInputs.Wake();
        signals.WorkAvailable();
        return job;
    }

    /// <summary>
    /// Stores many validated jobs (a batch: no start time, cron or dependencies) in one transaction, with
    /// <paramref name="alsoWrite"/>'s writes, so they are all queued or none is. One wake-up of the dispatcher for all.
    /// </summary>
    internal async Task<IReadOnlyList<JobRecord>> SubmitManyAsync(
        IReadOnlyList<JobValidator.ValidatedJob> jobs, Func<IJobTransaction, IReadOnlyList<JobRecord>, Task> alsoWrite, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = new List<(JobRecord Job, TaskRecord Task)>(jobs.Count);
        foreach (var valid in jobs)
        {
            var seq = sequence.Next();
            var jobId = Ids.NewJobId();
            var work = valid.Work.Clone();
            work.JobId = jobId;
            work.TaskId = Ids.TaskId(jobId, 0);
            var task = new TaskRecord(work.TaskId, jobId, TaskState.Queued, valid.Spec.Priority, seq,
                work, valid.Requirements, 0, 0, valid.MaxRetries, null, TaskWait.None, valid.Timing.Limits, []);
            rows.Add((new JobRecord(jobId, valid.Spec, JobState.Queued, seq, now, null, null, null, null), task));
        }

        var records = rows.Select(r => r.Job).ToList();
        await store.InTransactionAsync(async tx =>
        {
            foreach (var (job, task) in rows)
            {
                await tx.InsertJobAsync(job);
                await tx.InsertTaskAsync(task);
            }

            await alsoWrite(tx, records);
            return true;
        }, cancellationToken);
        signals.WorkAvailable();
        return records;
    }

    private async Task<JobRecord> SubmitRecurringAsync(JobSpec spec, CronSchedule cron, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var recurrence = new Recurrence
        {
            Cron = spec.Cron,
            TimeZone = cron.TimeZoneId,
            NextRunTime = cron.NextAfter(now) is { } next ? Timestamp.FromDateTimeOffset(next) : null,
        };
        var job = new JobRecord(Ids.NewJobId(), spec, JobState.Waiting, sequence.Next(), now, null, null, null, null, recurrence);
        await store.InTransactionAsync(async tx =>
        {
            await tx.InsertJobAsync(job);
            return true;
        }, cancellationToken);
        await recurring.ScheduleAsync(job.Id, cron, cancellationToken);
        return job;
    }

    public async Task<JobRecord> GetAsync(string jobId, CancellationToken cancellationToken) =>
        await store.FindJobAsync(jobId, cancellationToken) ?? throw new JobNotFoundException(jobId);

    public async Task<(IReadOnlyList<JobRecord> Jobs, long? NextBeforeSeq)> ListAsync(
        JobListFilter filter, int pageSize, long? beforeSeq, CancellationToken cancellationToken)
    {
        var size = pageSize == 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);
        var jobs = await store.ListJobsAsync(filter, beforeSeq, size + 1, cancellationToken);
        return jobs.Count > size ? (jobs.Take(size).ToList(), jobs[size - 1].Seq) : (jobs, null);
    }

    public async Task<JobRecord> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stopped = new List<AttemptRecord>();
        var job = await store.InTransactionAsync(async tx =>
        {
            stopped.Clear(); // the work may run again before it commits
            var job = await tx.FindJobAsync(jobId) ?? throw new JobNotFoundException(jobId);
            if (JobStateRollup.IsTerminal(job.State))
            {
                throw new JobStateConflictException($"job '{jobId}' has already ended ({job.State}); nothing to cancel");
            }

            if (job.IsRecurring)
            {
                var recurrence = job.Recurrence!.Clone();
                recurrence.NextRunTime = null; // a canceled schedule has no next run
                var ended = job with { State = JobState.Canceled, EndTime = now, Error = "canceled by request; runs already started go on", Recurrence = recurrence };
                await tx.UpdateJobAsync(ended);
                return ended;
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

            await tx.SetJobPauseAsync(jobId, null); // a canceled job is not paused any more (a retry runs it)
            return await JobRollup.ApplyAsync(tx, jobId, now, error: "canceled by request");
        }, cancellationToken);

        if (job.IsRecurring) await recurring.UnscheduleAsync(job.Id, cancellationToken);
        foreach (var attempt in stopped)
        {
            signals.StopAttempt(attempt.AgentId, attempt.Id, canceled: true, "the job was canceled");
        }

        return job;
    }

    public async Task<JobRecord> RetryAsync(string jobId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var job = await store.InTransactionAsync(async tx =>
        {
            var job = await tx.FindJobAsync(jobId) ?? throw new JobNotFoundException(jobId);
            if (job.State is not (JobState.Failed or JobState.Canceled) || job.IsRecurring)
            {
                throw new JobStateConflictException(job.IsRecurring
                    ? $"job '{jobId}' is a recurring schedule; submit it again to restart it"
                    : $"job '{jobId}' is {job.State}; only failed or canceled jobs can be retried");
            }

            IReadOnlyList<string> unmet;
            try
            {
                unmet = await Dependencies.CheckAsync(tx, JobChains.Prerequisites(job.Spec));
            }
            catch (JobValidationException e)
            {
                throw new JobStateConflictException($"job '{jobId}' cannot run yet: {e.Message}");
            }

            var tasks = await tx.GetTasksAsync(jobId);
            var chunked = await Chunking.JobGraph.ResetForRetryAsync(tx, tasks, unmet.Count == 0);
            foreach (var task in chunked ? [] : tasks)
            {
                if (task.State is not (TaskState.Failed or TaskState.Canceled)) continue;
                var reset = task with { FailedAttempts = 0, LostAttempts = 0, NotBefore = null, BlockedAgents = [] };
                await tx.UpdateTaskAsync(unmet.Count > 0
                    ? reset.MoveTo(TaskState.Waiting) with { WaitingFor = TaskWait.Dependency }
                    : reset.MoveTo(TaskState.Queued) with { WaitingFor = TaskWait.None });
            }

            if (JobChains.IsChained(job.Spec) && unmet.Count == 0)
            {
                // The parent's output is checked again before anything of the chain is queued.
                foreach (var task in await tx.GetTasksAsync(jobId))
                {
                    if (task.State == TaskState.Queued || task is { State: TaskState.Waiting, WaitingFor: TaskWait.Dependency })
                    {
                        await tx.UpdateTaskAsync(JobChains.AwaitInputCheck(task, now));
                    }
                }
            }

            await tx.UpdateJobAsync(job with { EndTime = null, Error = null });
            await tx.SetJobPauseAsync(jobId, null); // a job paused before it failed runs when retried
            return await JobRollup.ApplyAsync(tx, jobId, now);
        }, cancellationToken);

        if (JobChains.IsChained(job.Spec)) chainInputs.Wake();
        signals.WorkAvailable();
        return job;
    }
}
