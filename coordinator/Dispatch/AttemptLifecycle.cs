using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Chunking;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Coordinator.Publishing;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Every attempt is a lease. This class owns the moves of an attempt and its task: assign, progress,
/// complete, fail, renew, expire, time out, interrupt, release. Each move is one unit of store work, all or
/// nothing, answered only once committed (moves reported at the same moment by many agents share a commit:
/// see <see cref="IJobStore.InTransactionAsync{T}"/>), and every report is fenced by its attempt id, read
/// inside that work: a report about an attempt that is not the agent's live lease changes nothing. Watchers hear of committed changes from the store's <see cref="IJobStore.Committed"/>;
/// only live progress, which is not stored, is published here.
/// </summary>
public sealed partial class AttemptLifecycle(
    IJobStore store,
    IOptions<CoordinatorOptions> options,
    IReleaseScheduler releases,
    JobEvents events,
    LiveProgress progress,
    IWorkSignals signals,
    RetryBackoff backoff,
    FarmMetrics metrics,
    PublishedOutputs published,
    TimeProvider time,
    ILogger<AttemptLifecycle> logger,
    Probing.ProbedSources? probedSources = null)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _started = new();

    private TimeSpan Lease => options.Value.LeaseDuration;

    /// <summary>Claims a QUEUED task for an agent. Returns null when someone else got it first.</summary>
    public async Task<AttemptRecord?> TryAssignAsync(TaskRecord candidate, string agentId, CancellationToken cancellationToken) =>
        (await TryAssignManyAsync([(candidate, agentId)], cancellationToken))[0];

    /// <summary>
    /// Claims several QUEUED tasks, each for its agent, in one transaction (one commit for a whole dispatch
    /// pass). Each slot of the answer is the new attempt, or null where the task was no longer QUEUED or another
    /// coordinator was claiming it.
    /// </summary>
    public async Task<IReadOnlyList<AttemptRecord?>> TryAssignManyAsync(IReadOnlyList<(TaskRecord Task, string AgentId)> claims, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var waits = new List<TimeSpan>();
        var attempts = await store.InTransactionAsync<IReadOnlyList<AttemptRecord?>>(async tx =>
        {
            waits.Clear();
            var claimed = new AttemptRecord?[claims.Count];
            var firstTries = new List<string>();
            var queued = (await tx.ClaimQueuedTasksAsync(claims.Select(c => c.Task.Id).ToList())).ToDictionary(t => t.Id, StringComparer.Ordinal);
            // Limit groups and agent caps are counted again here, from the running attempts as this transaction sees them
            // (with the group's and job's locks held on PostgreSQL), so no two coordinators both take the last place.
            var counted = claims.Where(c => c.Task.Requirements.Counted).ToList();
            var ledger = counted.Count == 0 ? null : new RoutingLedger(await tx.GetRunningRoutesAsync(RoutingLedger.LockKeys(counted)), options.Value.Limits);
            for (var i = 0; i < claims.Count; i++)
            {
                var (candidate, agentId) = claims[i];
                // Each task is claimed once, even if it were listed twice.
                if (!queued.Remove(candidate.Id, out var task)) continue;
                if (ledger is not null && task.Requirements.Counted)
                {
                    if (!ledger.Allows(task.Requirements, task.JobId, agentId)) continue;
                    ledger.Take(task.Requirements, task.JobId, agentId);
                }

                var attempt = new AttemptRecord(Ids.NewAttemptId(), task.Id, task.JobId, agentId, AttemptOutcome.Running,
                    now, now + Lease, null, FailureClass.Unspecified, null, 0, null);
                await tx.InsertAttemptAsync(attempt);
                await tx.UpdateTaskAsync(task.MoveTo(TaskState.Assigned) with { NotBefore = null, WaitingFor = TaskWait.None });
                if (task.FailedAttempts + task.LostAttempts == 0) firstTries.Add(task.JobId);
                claimed[i] = attempt;
            }

            // Every job claimed from is rolled up from one read of them all, not one read each.
            var jobs = await JobRollup.ApplyManyAsync(tx, claimed.OfType<AttemptRecord>().Select(a => a.JobId).ToList(), now);
            foreach (var job in firstTries.Select(id => jobs[id]))
            {
                waits.Add(now - (job.Spec.StartTime?.ToDateTimeOffset() is { } start && start > job.CreateTime ? start : job.CreateTime));
            }

            return claimed;
        }, cancellationToken);
        foreach (var wait in waits) metrics.TaskStarted(wait);
        return attempts;
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

        progress.Report(attempt.JobId, attempt.TaskId, new LiveProgress.Snapshot(
            Math.Clamp(report.Percent, 0, 100), report.Fps, report.Speed, (long)report.Frames, time.GetUtcNow()));
        events.Publish(attempt.JobId);
        return Fence.Accepted;
    }

    public async Task<Fence> FailAsync(string agentId, TaskFailed report, CancellationToken cancellationToken)
    {
        var existing = await store.FindAttemptAsync(report.AttemptId, cancellationToken);
        if (existing is { Outcome: AttemptOutcome.Failed } && existing.AgentId == agentId) return Fence.Duplicate;
        if (!IsLiveLease(existing, agentId)) return Fence.Stale;

        var failureClass = report.FailureClass == FailureClass.Unspecified || !Enum.IsDefined(report.FailureClass) ? FailureClass.Transient : report.FailureClass;
        var ended = await EndAsync(report.AttemptId, a => a.AgentId == agentId, AttemptOutcome.Failed, failureClass,
            report.Message, report.ExitCode, report.LogTail, cancellationToken, damagedChunks: report.DamagedChunks);
        return ended ? Fence.Accepted : Fence.Stale;
    }

    /// <summary>Ends an attempt that ran too long or stalled; the agent is told to stop and the task retries.</summary>
    public async Task<bool> TimeOutAsync(AttemptRecord attempt, string why, CancellationToken cancellationToken)
    {
        var ended = await EndAsync(attempt.Id, a => true, AttemptOutcome.Failed, FailureClass.Timeout, why, 0, null, cancellationToken);
        if (!ended) return false;
        Log.TimedOut(logger, attempt.Id, attempt.AgentId, why);
        signals.StopAttempt(attempt.AgentId, attempt.Id, canceled: true, why);
        return true;
    }

    /// <summary>An operator stops one attempt: the agent stops, and the task goes back to the queue without burning a retry.</summary>
    public async Task<string> InterruptAsync(string attemptId, string reason, CancellationToken cancellationToken)
    {
        var attempt = await store.FindAttemptAsync(attemptId, cancellationToken) ?? throw new NotFoundException($"attempt '{attemptId}' does not exist (farmctl job ID lists a job's attempts)");
        if (attempt.Outcome != AttemptOutcome.Running)
        {
            throw new JobStateConflictException($"attempt '{attemptId}' has already ended ({attempt.Outcome}); only running attempts can be canceled");
        }

        if (await EndAsync(attemptId, a => true, AttemptOutcome.Canceled, FailureClass.Interrupted, reason, 0, null, cancellationToken, free: true))
        {
            signals.StopAttempt(attempt.AgentId, attempt.Id, canceled: true, reason);
        }

        return attempt.JobId;
    }

    /// <summary>
    /// Extends the leases an agent still holds; returns the ids it must drop. An idle agent's heartbeat holds none
    /// and costs no transaction (a thousand idle agents would otherwise commit two hundred empty ones a second).
    /// </summary>
    public async Task<IReadOnlyList<string>> RenewLeasesAsync(string agentId, IReadOnlyCollection<string> attemptIds, CancellationToken cancellationToken)
    {
        if (attemptIds.Count == 0) return [];
        var now = time.GetUtcNow();
        return await store.InTransactionAsync<IReadOnlyList<string>>(async tx =>
        {
            var stale = new List<string>();
            foreach (var id in attemptIds)
            {
                var attempt = await tx.FindAttemptAsync(id);
                if (IsLiveLease(attempt, agentId)) await tx.RenewLeaseAsync(attempt!.Id, now + Lease);
                else stale.Add(id);
            }

            return stale;
        }, cancellationToken);
    }

    /// <summary>
    /// After a coordinator restart, every running attempt gets one full lease from now, so agents that
    /// kept working while the coordinator was down can reconnect and keep their work.
    /// </summary>
    public async Task<int> GrantReconnectGraceAsync(CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + Lease;
        return await store.InTransactionAsync(tx => tx.ExtendRunningLeasesAsync(until), cancellationToken);
    }

    /// <summary>
    /// Ends leases that ran out (or that a reconnecting agent no longer holds) and puts their tasks back in
    /// the queue. A lost agent is not the task's fault, so the first few losses burn no retry. An attempt that was
    /// granted its publish and whose output is at the path, whole, is committed instead: it published, and only its
    /// report was lost. Either way, what the attempt left beside the output is removed.
    /// </summary>
    public async Task<int> ExpireAsync(Func<AttemptRecord, bool> isLost, string why, CancellationToken cancellationToken)
    {
        var expired = 0;
        foreach (var candidate in (await store.GetRunningAttemptsAsync(cancellationToken)).Where(isLost))
        {
            if (await CommitPublishedAsync(candidate, why, cancellationToken))
            {
                await RemoveLeftoversAsync(candidate, cancellationToken);
                continue;
            }

            if (!await EndAsync(candidate.Id, isLost, AttemptOutcome.Lost, FailureClass.LeaseExpired, why, 0, null, cancellationToken, free: true)) continue;
            expired++;
            Log.LeaseExpired(logger, candidate.Id, candidate.AgentId, why);
            signals.StopAttempt(candidate.AgentId, candidate.Id, canceled: false, why);
            await RemoveLeftoversAsync(candidate, cancellationToken);
        }

        return expired;
    }

    /// <summary>
    /// Releases WAITING tasks whose time passed more than <paramref name="grace"/> ago: their trigger was lost
    /// (a crash between the commit and writing the trigger). Normally Quartz has released them already.
    /// </summary>
    public async Task<int> ReleaseOverdueAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        var due = time.GetUtcNow() - grace;
        var (tasks, _) = await store.GetTimedWorkAsync(cancellationToken);
        var overdue = tasks.Where(t => t.NotBefore < due && t.WaitingFor != TaskWait.Input).ToList();
        foreach (var task in overdue) await ReleaseAsync(task.Id, cancellationToken);
        return overdue.Count;
    }

    /// <summary>A WAITING task's time has come: a backoff or start time is over.</summary>
    public async Task ReleaseAsync(string taskId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var released = await store.InTransactionAsync(async tx =>
        {
            var task = await tx.FindTaskAsync(taskId);
            // A chain's task waiting for its input's check is released by ChainInputs, never by its time.
            if (task is not { State: TaskState.Waiting } || task.WaitingFor == TaskWait.Input || task.NotBefore > now + TimeSpan.FromSeconds(1)) return null;
            await tx.UpdateTaskAsync(task.WaitingFor == TaskWait.Dependency
                ? task with { NotBefore = null }
                : task.MoveTo(TaskState.Queued) with { NotBefore = null, WaitingFor = TaskWait.None });
            await JobRollup.ApplyAsync(tx, task.JobId, now);
            return task.JobId;
        }, cancellationToken);
        if (released is not null) signals.WorkAvailable();
    }

    /// <summary>
    /// Fails a QUEUED task for good, before any attempt, because the coordinator cannot read its file (for an agent in
    /// transfer mode: a FIFO, a link out of the root, a file that does not answer); <paramref name="message"/> becomes
    /// the job's error. Its unfinished siblings are canceled as when a task fails. Returns false when the task had
    /// already moved on.
    /// </summary>
    public async Task<bool> FailQueuedAsync(string taskId, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stop = new List<AttemptRecord>();
        var failed = await store.InTransactionAsync(async tx =>
        {
            stop.Clear();
            var task = await tx.FindTaskAsync(taskId);
            if (task is not { State: TaskState.Queued }) return false;
            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Failed) with { NotBefore = null, WaitingFor = TaskWait.None });
            stop.AddRange(await JobGraph.CancelSiblingsAsync(tx, task, now));
            await JobRollup.ApplyAsync(tx, task.JobId, now, error: Truncate(message, 4000));
            return true;
        }, cancellationToken);
        foreach (var sibling in stop)
        {
            signals.StopAttempt(sibling.AgentId, sibling.Id, canceled: true, sibling.Error ?? "another task of the job failed");
        }

        return failed;
    }

    /// <summary>
    /// Ends a RUNNING attempt (if <paramref name="applies"/> still holds inside the transaction) and moves
    /// its task on: back to the queue for free (<paramref name="free"/>, up to a cap), into a backoff, or to
    /// FAILED when the input is bad or the retries are spent.
    /// </summary>
    private async Task<bool> EndAsync(string attemptId, Func<AttemptRecord, bool> applies, AttemptOutcome outcome, FailureClass failureClass,
        string message, int exitCode, string? logTail, CancellationToken cancellationToken, bool free = false, IReadOnlyList<uint>? damagedChunks = null)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? releaseAt = null;
        var stop = new List<AttemptRecord>();
        var ended = await store.InTransactionAsync(async tx =>
        {
            stop.Clear(); // the work may run again before it commits
            releaseAt = null;
            var (attempt, found) = await tx.FindAttemptWithTaskAsync(attemptId);
            if (attempt is not { Outcome: AttemptOutcome.Running } || !applies(attempt)) return null;
            await tx.UpdateAttemptAsync(attempt with
            {
                Outcome = outcome,
                EndTime = now,
                FailureClass = failureClass,
                Error = Truncate(message, 4000),
                ExitCode = exitCode,
                LogTail = logTail is null ? attempt.LogTail : Truncate(logTail, 16000),
            });
            var task = found ?? throw new InvalidOperationException($"Task {attempt.TaskId} is missing.");
            if (TaskStateMachine.IsTerminal(task.State)) return attempt;
            releaseAt = free || failureClass == FailureClass.Interrupted
                ? await RequeueAsync(tx, task, attempt, failureClass, message, now, stop)
                : await FailTaskAsync(tx, task, attempt, failureClass, message, now, stop, damagedChunks);
            return attempt;
        }, cancellationToken);
        if (ended is null) return false;

        _started.TryRemove(attemptId, out _);
        progress.Clear(ended.TaskId);
        metrics.AttemptFailed(failureClass);
        if (releaseAt is { } at)
        {
            // Committed: the trigger is written whatever happens to the request that caused it.
            await releases.ScheduleReleaseAsync(ended.TaskId, at, CancellationToken.None);
            metrics.RetryScheduled();
        }

        foreach (var sibling in stop)
        {
            signals.StopAttempt(sibling.AgentId, sibling.Id, canceled: true, sibling.Error ?? "another task of the job failed");
        }

        signals.WorkAvailable();
        return true;
    }

    /// <summary>Lost agents and interruptions are not the task's fault: re-queue, unless it keeps happening.</summary>
    private async Task<DateTimeOffset?> RequeueAsync(
        IJobTransaction tx, TaskRecord task, AttemptRecord attempt, FailureClass failureClass, string message, DateTimeOffset now, List<AttemptRecord> stop)
    {
        var lostCount = task.LostAttempts + 1;
        if (lostCount > options.Value.FreeLostAttempts)
        {
            return await FailTaskAsync(tx, task with { LostAttempts = lostCount }, attempt, failureClass, $"agent {attempt.AgentId}: {message}", now, stop);
        }

        await tx.UpdateTaskAsync(task.MoveTo(TaskState.Queued) with { LostAttempts = lostCount, NotBefore = null, WaitingFor = TaskWait.None });
        await JobRollup.ApplyAsync(tx, task.JobId, now);
        return null;
    }

    /// <summary>Bad input fails the task for good; anything else waits out a backoff until the retry budget is spent.</summary>
    private async Task<DateTimeOffset?> FailTaskAsync(
        IJobTransaction tx, TaskRecord task, AttemptRecord attempt, FailureClass failureClass, string message, DateTimeOffset now, List<AttemptRecord> stop,
        IReadOnlyList<uint>? damagedChunks = null)
    {
        var failures = task.FailedAttempts + 1;
        if (failureClass != FailureClass.BadInput && failures <= task.MaxRetries && damagedChunks is { Count: > 0 }
            && await JobGraph.RenderChunksAgainAsync(tx, task with { FailedAttempts = failures }, damagedChunks))
        {
            await JobRollup.ApplyAsync(tx, task.JobId, now);
            return null;
        }

        if (failureClass == FailureClass.BadInput || failures > task.MaxRetries)
        {
            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Failed) with { FailedAttempts = failures, NotBefore = null, WaitingFor = TaskWait.None });
            stop.AddRange(await JobGraph.CancelSiblingsAsync(tx, task, now));
            var error = failureClass == FailureClass.BadInput
                ? message
                : $"failed {failures} time(s), retry limit {task.MaxRetries}: {message}";
            await JobRollup.ApplyAsync(tx, task.JobId, now, error: error);
            return null;
        }

        var blocked = await BlocklistAsync(tx, task, attempt.AgentId);
        var at = now + backoff.DelayAfter(failures);
        await tx.UpdateTaskAsync(task.MoveTo(TaskState.Waiting) with { FailedAttempts = failures, NotBefore = at, WaitingFor = TaskWait.Backoff, BlockedAgents = blocked });
        await JobRollup.ApplyAsync(tx, task.JobId, now);
        return at;
    }

    /// <summary>
    /// After enough failures of this job on one agent (of any of its tasks: a chunked job's chunks count together),
    /// that agent is passed over for every task of the job.
    /// </summary>
    private async Task<IReadOnlyList<string>> BlocklistAsync(IJobTransaction tx, TaskRecord task, string agentId)
    {
        if (task.IsBlocked(agentId)) return task.BlockedAgents;
        var tasks = await tx.GetTasksAsync(task.JobId);
        var failuresHere = 0;
        foreach (var sibling in tasks)
        {
            failuresHere += (await tx.GetTaskAttemptsAsync(sibling.Id))
                .Count(a => a.AgentId == agentId && a.Outcome == AttemptOutcome.Failed && a.FailureClass != FailureClass.BadInput);
        }

        if (failuresHere < options.Value.BlocklistAfterFailures) return task.BlockedAgents;
        Log.AgentBlocked(logger, agentId, task.JobId, failuresHere);
        foreach (var sibling in tasks)
        {
            if (sibling.Id == task.Id || TaskStateMachine.IsTerminal(sibling.State) || sibling.IsBlocked(agentId)) continue;
            await tx.UpdateTaskAsync(sibling with { BlockedAgents = [.. sibling.BlockedAgents, agentId] });
        }

        return [.. task.BlockedAgents, agentId];
    }

    private static bool IsLiveLease(AttemptRecord? attempt, string agentId) =>
        attempt is { Outcome: AttemptOutcome.Running } && attempt.AgentId == agentId;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[^max..];
}
