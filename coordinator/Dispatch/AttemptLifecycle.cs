using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Every attempt is a lease. This class owns the moves of an attempt and its task: assign, progress,
/// complete, fail, renew, expire. Each move is one store transaction, and every report is fenced by its
/// attempt id: a report about an attempt that is not the agent's live lease changes nothing.
/// </summary>
public sealed class AttemptLifecycle(
    IJobStore store,
    IOptions<CoordinatorOptions> options,
    IReleaseScheduler releases,
    JobEvents events,
    LiveProgress progress,
    IWorkSignals signals,
    RetryBackoff backoff,
    FarmMetrics metrics,
    TimeProvider time,
    ILogger<AttemptLifecycle> logger)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _started = new();

    private TimeSpan Lease => options.Value.LeaseDuration;

    /// <summary>Claims a QUEUED task for an agent. Returns null when someone else got it first.</summary>
    public async Task<AttemptRecord?> TryAssignAsync(TaskRecord candidate, string agentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        TimeSpan? sinceSubmit = null;
        var attempt = await store.InTransactionAsync(async tx =>
        {
            var task = await tx.FindTaskAsync(candidate.Id);
            if (task is null || task.State != TaskState.Queued) return null;
            var attempt = new AttemptRecord(Ids.NewAttemptId(), task.Id, task.JobId, agentId, AttemptOutcome.Running,
                now, now + Lease, null, FailureClass.Unspecified, null, 0, null);
            await tx.InsertAttemptAsync(attempt);
            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Assigned) with { NotBefore = null });
            var job = await JobRollup.ApplyAsync(tx, task.JobId, now);
            if (task.FailedAttempts + task.LostAttempts == 0) sinceSubmit = now - job.CreateTime;
            return attempt;
        }, cancellationToken);
        if (attempt is not null) events.Publish(attempt.JobId);
        if (attempt is not null && sinceSubmit is { } wait) metrics.TaskStarted(wait);
        return attempt;
    }

    public async Task<Fence> ReportProgressAsync(string agentId, TaskProgress report, CancellationToken cancellationToken)
    {
        var attempt = await store.FindAttemptAsync(report.AttemptId, cancellationToken);
        if (!IsLiveLease(attempt, agentId)) return Fence.Stale;

        if (_started.TryAdd(attempt!.Id, 0))
        {
            var now = time.GetUtcNow();
            await store.InTransactionAsync(async tx =>
            {
                var task = await tx.FindTaskAsync(attempt.TaskId);
                if (task is { State: TaskState.Assigned })
                {
                    await tx.UpdateTaskAsync(task.MoveTo(TaskState.Running));
                    await JobRollup.ApplyAsync(tx, task.JobId, now);
                }

                return true;
            }, cancellationToken);
        }

        progress.Report(attempt!.TaskId, new LiveProgress.Snapshot(
            Math.Clamp(report.Percent, 0, 100), report.Fps, report.Speed, (long)report.Frames, time.GetUtcNow()));
        events.Publish(attempt.JobId);
        return Fence.Accepted;
    }

    public async Task<Fence> CompleteAsync(string agentId, TaskCompleted report, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        (Preset Preset, DateTimeOffset Start) succeeded = default;
        var (fence, jobId) = await store.InTransactionAsync(async tx =>
        {
            var attempt = await tx.FindAttemptAsync(report.AttemptId);
            if (attempt is { Outcome: AttemptOutcome.Succeeded } && attempt.AgentId == agentId) return (Fence.Duplicate, (string?)attempt.JobId);
            if (!IsLiveLease(attempt, agentId)) return (Fence.Stale, (string?)null);

            var task = await tx.FindTaskAsync(attempt!.TaskId) ?? throw new InvalidOperationException($"Task {attempt.TaskId} is missing.");
            await tx.UpdateAttemptAsync(attempt with { Outcome = AttemptOutcome.Succeeded, EndTime = now });
            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Succeeded) with { NotBefore = null });
            succeeded = (task.Work.Settings?.Preset ?? Preset.Unspecified, attempt.StartTime);
            await JobRollup.ApplyAsync(tx, task.JobId, now, result: report.Output);
            return (Fence.Accepted, (string?)task.JobId);
        }, cancellationToken);

        if (fence == Fence.Accepted)
        {
            _started.TryRemove(report.AttemptId, out _);
            events.Publish(jobId!);
            metrics.AttemptSucceeded(succeeded.Preset, now - succeeded.Start, report.Output?.FrameCount ?? 0);
        }

        return fence;
    }

    public async Task<Fence> FailAsync(string agentId, TaskFailed report, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? releaseAt = null;
        var failureClass = report.FailureClass == FailureClass.Unspecified ? FailureClass.Transient : report.FailureClass;
        var (fence, jobId, taskId) = await store.InTransactionAsync(async tx =>
        {
            var attempt = await tx.FindAttemptAsync(report.AttemptId);
            if (attempt is { Outcome: AttemptOutcome.Failed } && attempt.AgentId == agentId) return (Fence.Duplicate, (string?)attempt.JobId, (string?)attempt.TaskId);
            if (!IsLiveLease(attempt, agentId)) return (Fence.Stale, (string?)null, (string?)null);

            await tx.UpdateAttemptAsync(attempt! with
            {
                Outcome = AttemptOutcome.Failed,
                EndTime = now,
                FailureClass = failureClass,
                Error = Truncate(report.Message, 4000),
                ExitCode = report.ExitCode,
                LogTail = Truncate(report.LogTail, 16000),
            });
            var task = await tx.FindTaskAsync(attempt.TaskId) ?? throw new InvalidOperationException($"Task {attempt.TaskId} is missing.");
            releaseAt = await FailTaskAsync(tx, task, failureClass, report.Message, now);
            return (Fence.Accepted, (string?)task.JobId, (string?)task.Id);
        }, cancellationToken);

        if (fence == Fence.Accepted)
        {
            _started.TryRemove(report.AttemptId, out _);
            metrics.AttemptFailed(failureClass);
            await AfterFailureAsync(jobId!, taskId!, releaseAt, cancellationToken);
        }

        return fence;
    }

    /// <summary>Extends the leases an agent still holds; returns the ids it must drop.</summary>
    public async Task<IReadOnlyList<string>> RenewLeasesAsync(string agentId, IReadOnlyCollection<string> attemptIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await store.InTransactionAsync<IReadOnlyList<string>>(async tx =>
        {
            var stale = new List<string>();
            foreach (var id in attemptIds)
            {
                var attempt = await tx.FindAttemptAsync(id);
                if (IsLiveLease(attempt, agentId)) await tx.UpdateAttemptAsync(attempt! with { LeaseExpiry = now + Lease });
                else stale.Add(id);
            }

            return stale;
        }, cancellationToken);
    }

    /// <summary>
    /// Ends leases that ran out (or that a reconnecting agent no longer holds) and puts their tasks back in
    /// the queue. A lost agent is not the task's fault, so the first few losses burn no retry.
    /// </summary>
    public async Task<int> ExpireAsync(Func<AttemptRecord, bool> isLost, string why, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = 0;
        foreach (var candidate in (await store.GetRunningAttemptsAsync(cancellationToken)).Where(isLost))
        {
            DateTimeOffset? releaseAt = null;
            var lost = await store.InTransactionAsync(async tx =>
            {
                var attempt = await tx.FindAttemptAsync(candidate.Id);
                if (attempt is not { Outcome: AttemptOutcome.Running } || !isLost(attempt)) return false;
                await tx.UpdateAttemptAsync(attempt with { Outcome = AttemptOutcome.Lost, EndTime = now, FailureClass = FailureClass.LeaseExpired, Error = why });
                var task = await tx.FindTaskAsync(attempt.TaskId) ?? throw new InvalidOperationException($"Task {attempt.TaskId} is missing.");
                if (TaskStateMachine.IsTerminal(task.State)) return true;
                var lostCount = task.LostAttempts + 1;
                if (lostCount <= options.Value.FreeLostAttempts)
                {
                    await tx.UpdateTaskAsync(task.MoveTo(TaskState.Queued) with { LostAttempts = lostCount });
                    await JobRollup.ApplyAsync(tx, task.JobId, now);
                }
                else
                {
                    releaseAt = await FailTaskAsync(tx, task with { LostAttempts = lostCount }, FailureClass.LeaseExpired, $"agent {attempt.AgentId} was lost ({why})", now);
                }

                return true;
            }, cancellationToken);
            if (!lost) continue;

            expired++;
            metrics.AttemptFailed(FailureClass.LeaseExpired);
            _started.TryRemove(candidate.Id, out _);
            Log.LeaseExpired(logger, candidate.Id, candidate.AgentId, why);
            signals.StopAttempt(candidate.AgentId, candidate.Id, canceled: false, why);
            progress.Clear(candidate.TaskId);
            await AfterFailureAsync(candidate.JobId, candidate.TaskId, releaseAt, cancellationToken);
        }

        return expired;
    }

    /// <summary>Moves a WAITING task whose backoff is over back into the queue.</summary>
    public async Task ReleaseAsync(string taskId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var released = await store.InTransactionAsync(async tx =>
        {
            var task = await tx.FindTaskAsync(taskId);
            if (task is not { State: TaskState.Waiting }) return null;
            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Queued) with { NotBefore = null });
            await JobRollup.ApplyAsync(tx, task.JobId, now);
            return task.JobId;
        }, cancellationToken);
        if (released is null) return;
        events.Publish(released);
        signals.WorkAvailable();
    }

    /// <summary>Bad input fails the task for good; anything else waits out a backoff until the retry budget is spent.</summary>
    private async Task<DateTimeOffset?> FailTaskAsync(IJobTransaction tx, TaskRecord task, FailureClass failureClass, string message, DateTimeOffset now)
    {
        if (TaskStateMachine.IsTerminal(task.State)) return null;
        var failures = task.FailedAttempts + 1;
        if (failureClass == FailureClass.BadInput || failures > task.MaxRetries)
        {
            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Failed) with { FailedAttempts = failures, NotBefore = null });
            var error = failureClass == FailureClass.BadInput
                ? message
                : $"failed {failures} time(s), retry limit {task.MaxRetries}: {message}";
            await JobRollup.ApplyAsync(tx, task.JobId, now, error: error);
            return null;
        }

        var at = now + backoff.DelayAfter(failures);
        await tx.UpdateTaskAsync(task.MoveTo(TaskState.Waiting) with { FailedAttempts = failures, NotBefore = at });
        await JobRollup.ApplyAsync(tx, task.JobId, now);
        return at;
    }

    private async Task AfterFailureAsync(string jobId, string taskId, DateTimeOffset? releaseAt, CancellationToken cancellationToken)
    {
        progress.Clear(taskId);
        if (releaseAt is not null) metrics.RetryScheduled();
        if (releaseAt is { } at) await releases.ScheduleReleaseAsync(taskId, at, cancellationToken);
        events.Publish(jobId);
        signals.WorkAvailable();
    }

    private static bool IsLiveLease(AttemptRecord? attempt, string agentId) =>
        attempt is { Outcome: AttemptOutcome.Running } && attempt.AgentId == agentId;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[^max..];
}
