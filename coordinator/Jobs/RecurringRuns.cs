using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Each firing of a recurring job submits a run: a new job from the same spec, its output named by the
/// firing time. A run that cannot start (its input is gone, say) is recorded as a failed job, so people see it.
/// </summary>
public sealed class RecurringRuns(
    IJobStore store,
    JobCatalog catalog,
    JobValidator validator,
    JobSequence sequence,
    IRecurringScheduler recurring,
    TimeProvider time)
{
    public async Task<JobRecord?> FireAsync(string recurringJobId, DateTimeOffset fireTime, CancellationToken cancellationToken)
    {
        var parent = await store.FindJobAsync(recurringJobId, cancellationToken);
        if (parent is not { Recurrence: { } recurrence, State: JobState.Waiting })
        {
            await recurring.UnscheduleAsync(recurringJobId, cancellationToken);
            return null;
        }

        var now = time.GetUtcNow();
        CronSchedule.TryParse(parent.Spec.Cron, parent.Spec.TimeZone, now, out var schedule, out _);
        var spec = RunSpec(parent.Spec, schedule?.TimeZone ?? TimeZoneInfo.Utc, fireTime);
        JobRecord run;
        try
        {
            run = await catalog.SubmitAsync(validator.Validate(spec), parent.Id, cancellationToken);
        }
        catch (JobValidationException e)
        {
            run = await RecordFailedRunAsync(spec, parent.Id, $"the run at {fireTime:u} could not start: {e.Message}", now, cancellationToken);
        }

        await store.InTransactionAsync(async tx =>
        {
            var current = await tx.FindJobAsync(parent.Id);
            if (current?.Recurrence is null) return false;
            var next = current.Recurrence.Clone();
            next.RunCount++;
            next.LastRunJobId = run.Id;
            next.NextRunTime = schedule?.NextAfter(now) is { } at ? Timestamp.FromDateTimeOffset(at) : null;
            await tx.UpdateJobAsync(current with { Recurrence = next });
            return true;
        }, cancellationToken);
        return run;
    }

    /// <summary>The spec of one run: no schedule, and {time} in the output path replaced by the firing time.</summary>
    public static JobSpec RunSpec(JobSpec recurringSpec, TimeZoneInfo zone, DateTimeOffset fireTime)
    {
        var spec = recurringSpec.Clone();
        spec.Cron = "";
        spec.TimeZone = "";
        var stamp = TimeZoneInfo.ConvertTime(fireTime, zone).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        spec.OutputPath = spec.OutputPath.Replace(JobTimingValidator.TimeToken, stamp, StringComparison.Ordinal);
        return spec;
    }

    private async Task<JobRecord> RecordFailedRunAsync(JobSpec spec, string parentId, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var seq = sequence.Next();
        var jobId = Ids.NewJobId();
        var taskId = Ids.TaskId(jobId, 0);
        var job = new JobRecord(jobId, spec, JobState.Failed, seq, now, null, now, error, null, RecurringJobId: parentId);
        var task = new TaskRecord(taskId, jobId, TaskState.Failed, spec.Priority, seq, new Assignment { JobId = jobId, TaskId = taskId },
            new TaskRequirements("", [], []), 0, 0, 0, null, TaskWait.None, new TaskLimits(TimeSpan.Zero, TimeSpan.Zero), []);
        await store.InTransactionAsync(async tx =>
        {
            await tx.InsertJobAsync(job);
            await tx.InsertTaskAsync(task);
            return true;
        }, cancellationToken);
        return job;
    }
}
