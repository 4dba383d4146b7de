using System.Data.Common;
using RenderFarm.Coordinator.Jobs;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The writes of one store transaction, in portable SQL over any ADO.NET connection. Writes are held and sent
/// with the transaction's next read, or when the piece of work that made them ends (<see cref="FlushAsync"/>):
/// see <see cref="PendingWrites"/>.
/// </summary>
internal sealed class SqlJobTransaction : IJobTransaction
{
    private readonly DbConnection connection;
    private readonly DbTransaction transaction;
    private readonly CancellationToken cancellationToken;
    private readonly SqlDialect _dialect;
    private readonly PendingWrites _writes;
    private readonly SqlQueries _reads;
    private readonly HashSet<string> _changedJobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _endedJobs = new(StringComparer.Ordinal);
    private bool _tasksQueued;

    public SqlJobTransaction(DbConnection connection, DbTransaction transaction, SqlDialect dialect, CancellationToken cancellationToken)
    {
        (this.connection, this.transaction, this.cancellationToken, _dialect) = (connection, transaction, cancellationToken, dialect);
        _writes = new PendingWrites(connection, transaction, cancellationToken);
        _reads = new SqlQueries(connection, transaction, dialect, _writes);
    }

    /// <summary>Sends the writes still held; a piece of work's writes are all sent before it counts as done.</summary>
    public Task FlushAsync() => _writes.FlushAsync();

    /// <summary>What this transaction changed, for the notification after it commits.</summary>
    public StoreCommit Summary => new(_changedJobs.ToList(), _tasksQueued, _endedJobs.ToList());

    private void Changed(string jobId, Protos.V1.TaskState? taskState = null)
    {
        _changedJobs.Add(jobId);
        _tasksQueued |= taskState == Protos.V1.TaskState.Queued;
    }

    public Task<JobRecord?> FindJobAsync(string jobId) => _reads.FindJobAsync(jobId, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId) => _reads.GetTasksAsync(jobId, cancellationToken);

    public Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks)> FindJobWithTasksAsync(string jobId) => _reads.FindJobWithTasksAsync(jobId, cancellationToken);

    public Task<TaskRecord?> FindTaskAsync(string taskId) => _reads.FindTaskAsync(taskId, cancellationToken);

    public Task<TaskRecord?> ClaimQueuedTaskAsync(string taskId) => _reads.ClaimQueuedTaskAsync(taskId, cancellationToken);

    public async Task<TaskRecord?> AssignQueuedTaskAsync(string taskId)
    {
        if (_dialect.AssignsByUpdate)
        {
            var assigned = await _reads.AssignQueuedTaskAsync(taskId, cancellationToken);
            if (assigned is not null) Changed(assigned.JobId, assigned.State);
            return assigned;
        }

        if (await _reads.ClaimQueuedTaskAsync(taskId, cancellationToken) is not { } task) return null;
        var moved = task.MoveTo(Protos.V1.TaskState.Assigned) with { NotBefore = null, WaitingFor = TaskWait.None };
        await UpdateTaskAsync(moved);
        return moved;
    }

    public Task<AttemptRecord?> FindAttemptAsync(string attemptId) => _reads.FindAttemptAsync(attemptId, cancellationToken);

    public Task<IReadOnlyList<AttemptRecord>> GetTaskAttemptsAsync(string taskId) => _reads.GetTaskAttemptsAsync(taskId, cancellationToken);

    public Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsForTaskAsync(string taskId) => _reads.GetRunningAttemptsAsync(taskId, cancellationToken);

    public Task<IReadOnlyList<string>> GetDependentJobIdsAsync(string jobId) => _reads.GetDependentJobIdsAsync(jobId, cancellationToken);

    public Task InsertDependenciesAsync(string jobId, IEnumerable<string> dependsOn)
    {
        foreach (var dependency in dependsOn.Distinct(StringComparer.Ordinal))
        {
            _writes.Add("INSERT INTO rf_job_deps (job_id, depends_on) VALUES (@job, @dep)", [("@job", jobId), ("@dep", dependency)]);
        }

        return Task.CompletedTask;
    }

    public Task<long> AppendLogAsync(AttemptRecord attempt, long offset, byte[] text, long maxBytes)
    {
        var size = attempt.LogSize;
        var end = offset + text.Length;
        if (offset > size || end <= size || size >= maxBytes) return Task.FromResult(size);
        var skip = (int)(size - offset);
        var take = (int)Math.Min(text.Length - skip, maxBytes - size);
        _writes.Add("INSERT INTO rf_attempt_logs (attempt_id, log_offset, length, text) VALUES (@id, @offset, @length, @text)",
            [("@id", attempt.Id), ("@offset", size), ("@length", take), ("@text", System.Text.Encoding.UTF8.GetString(text, skip, take))]);
        _writes.Add("UPDATE rf_attempts SET log_size = @size WHERE id = @id", [("@id", attempt.Id), ("@size", size + take)]);
        return Task.FromResult(size + take);
    }

    public Task SetAgentDrainAsync(string agentId, bool draining, string reason, DateTimeOffset now) => Defer(
        """
        INSERT INTO rf_agents (id, draining, drain_reason, update_time) VALUES (@id, @draining, @reason, @now)
        ON CONFLICT (id) DO UPDATE SET draining = @draining, drain_reason = @reason, update_time = @now
        """, ("@id", agentId), ("@draining", draining ? 1 : 0), ("@reason", reason), ("@now", ToMillis(now)));

    public Task RenewLeaseAsync(string attemptId, DateTimeOffset until) => Defer(
        "UPDATE rf_attempts SET lease_expiry = @until WHERE id = @id", ("@id", attemptId), ("@until", ToMillis(until)));

    public async Task<int> ExtendRunningLeasesAsync(DateTimeOffset until)
    {
        await _writes.FlushAsync();
        return await connection.ExecuteAsync(transaction,
            "UPDATE rf_attempts SET lease_expiry = @until WHERE outcome = @running AND lease_expiry < @until", cancellationToken,
            ("@until", ToMillis(until)), ("@running", (int)Protos.V1.AttemptOutcome.Running));
    }

    private Task Defer(string sql, params (string, object?)[] parameters)
    {
        _writes.Add(sql, parameters);
        return Task.CompletedTask;
    }

    private Task DeferOne(string what, string id, string sql, (string, object?)[] parameters)
    {
        _writes.Add(sql, parameters, $"{what} '{id}'");
        return Task.CompletedTask;
    }

    public Task InsertJobAsync(JobRecord job)
    {
        Changed(job.Id);
        return Defer($"INSERT INTO rf_jobs ({JobColumns}) VALUES (@id, @seq, @spec, @state, @create, @start, @end, @error, @result, @recurrence, @recurringJob)",
            JobParameters(job));
    }

    public Task UpdateJobAsync(JobRecord job)
    {
        Changed(job.Id);
        if (JobStateRollup.IsTerminal(job.State)) _endedJobs.Add(job.Id);
        return DeferOne("job", job.Id, "UPDATE rf_jobs SET spec = @spec, state = @state, start_time = @start, end_time = @end, error = @error, result = @result, recurrence = @recurrence WHERE id = @id",
            JobParameters(job));
    }

    public Task InsertTaskAsync(TaskRecord task)
    {
        Changed(task.JobId, task.State);
        return Defer($"INSERT INTO rf_tasks ({TaskColumns}) VALUES (@id, @job, @state, @priority, @seq, @work, @req, @failed, @lost, @max, @notBefore, @waitingFor, @maxRun, @stall, @blocked)",
            TaskParameters(task));
    }

    public Task UpdateTaskAsync(TaskRecord task)
    {
        Changed(task.JobId, task.State);
        return DeferOne("task", task.Id, "UPDATE rf_tasks SET state = @state, priority = @priority, work = @work, requirements = @req, failed_attempts = @failed, lost_attempts = @lost, max_retries = @max, not_before = @notBefore, waiting_for = @waitingFor, max_run_ms = @maxRun, stall_ms = @stall, blocked_agents = @blocked WHERE id = @id",
            TaskParameters(task));
    }

    public Task InsertAttemptAsync(AttemptRecord attempt)
    {
        Changed(attempt.JobId);
        return Defer($"INSERT INTO rf_attempts ({AttemptColumns}) VALUES (@id, @task, @job, @agent, @outcome, @start, @lease, @end, @class, @error, @exit, @log, @frames, @logSize)",
            AttemptParameters(attempt));
    }

    public Task UpdateAttemptAsync(AttemptRecord attempt)
    {
        Changed(attempt.JobId);
        return DeferOne("attempt", attempt.Id, "UPDATE rf_attempts SET outcome = @outcome, lease_expiry = @lease, end_time = @end, failure_class = @class, error = @error, exit_code = @exit, log_tail = @log, frames = @frames WHERE id = @id",
            AttemptParameters(attempt));
    }

    private static (string, object?)[] JobParameters(JobRecord j) =>
    [
        ("@id", j.Id), ("@seq", j.Seq), ("@spec", ToJson(j.Spec)), ("@state", (int)j.State), ("@create", ToMillis(j.CreateTime)),
        ("@start", ToDb(j.StartTime)), ("@end", ToDb(j.EndTime)), ("@error", ToDb(j.Error)), ("@result", j.Result is null ? null : ToJson(j.Result)),
        ("@recurrence", j.Recurrence is null ? null : ToJson(j.Recurrence)), ("@recurringJob", ToDb(j.RecurringJobId)),
    ];

    private static (string, object?)[] TaskParameters(TaskRecord t) =>
    [
        ("@id", t.Id), ("@job", t.JobId), ("@state", (int)t.State), ("@priority", t.Priority), ("@seq", t.Seq), ("@work", ToJson(t.Work)),
        ("@req", t.Requirements.Serialize()), ("@failed", t.FailedAttempts), ("@lost", t.LostAttempts), ("@max", t.MaxRetries), ("@notBefore", ToDb(t.NotBefore)),
        ("@waitingFor", (int)t.WaitingFor), ("@maxRun", (long)t.Limits.MaxRunTime.TotalMilliseconds), ("@stall", (long)t.Limits.StallTimeout.TotalMilliseconds),
        ("@blocked", string.Join(',', t.BlockedAgents)),
    ];

    private static (string, object?)[] AttemptParameters(AttemptRecord a) =>
    [
        ("@id", a.Id), ("@task", a.TaskId), ("@job", a.JobId), ("@agent", a.AgentId), ("@outcome", (int)a.Outcome), ("@start", ToMillis(a.StartTime)),
        ("@lease", ToMillis(a.LeaseExpiry)), ("@end", ToDb(a.EndTime)), ("@class", (int)a.FailureClass), ("@error", ToDb(a.Error)), ("@exit", a.ExitCode), ("@log", ToDb(a.LogTail)),
        ("@frames", a.Frames), ("@logSize", a.LogSize),
    ];
}
