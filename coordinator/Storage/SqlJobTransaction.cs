using System.Data.Common;
using RenderFarm.Coordinator.Jobs;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The writes of one store transaction, in portable SQL over any ADO.NET connection. Writes are held and sent
/// with the transaction's next read, or when the piece of work that made them ends (<see cref="FlushAsync"/>):
/// see <see cref="PendingWrites"/>. Every job, task and attempt row the transaction reads or writes is kept as last
/// seen, so an update sets only the columns it changes (<see cref="RowChanges"/>).
/// </summary>
internal sealed class SqlJobTransaction : IJobTransaction
{
    private readonly DbConnection connection;
    private readonly DbTransaction transaction;
    private readonly CancellationToken cancellationToken;
    private readonly PendingWrites _writes;
    private readonly SqlQueries _reads;
    private readonly SqlDialect _dialect;
    private readonly HashSet<string> _changedJobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _endedJobs = new(StringComparer.Ordinal);
    private bool _tasksQueued;
    private readonly Dictionary<string, JobRecord> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskRecord> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AttemptRecord> _attempts = new(StringComparer.Ordinal);

    public SqlJobTransaction(DbConnection connection, DbTransaction transaction, SqlDialect dialect, CancellationToken cancellationToken)
    {
        (this.connection, this.transaction, this.cancellationToken) = (connection, transaction, cancellationToken);
        _writes = new PendingWrites(connection, transaction, cancellationToken);
        _reads = new SqlQueries(connection, transaction, dialect, _writes);
        _dialect = dialect;
    }

    /// <summary>Sends the writes still held; a piece of work's writes are all sent before it counts as done.</summary>
    public Task FlushAsync() => _writes.FlushAsync();

    public Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        _writes.Add(sql, parameters);
        return Task.CompletedTask;
    }

    public Task ExecuteOneAsync(string row, string sql, params (string Name, object? Value)[] parameters)
    {
        _writes.Add(sql, parameters, row);
        return Task.CompletedTask;
    }

    /// <summary>Holds a statement of the store's own (a notice) to go with the transaction's next batch.</summary>
    public void AddStatement(string sql, (string Name, object? Value)[] parameters) => _writes.Add(sql, parameters);

    /// <summary>What this transaction changed, for the notification after it commits.</summary>
    public StoreCommit Summary => new(_changedJobs.ToList(), _tasksQueued, _endedJobs.ToList());

    private void Changed(string jobId, Protos.V1.TaskState? taskState = null)
    {
        _changedJobs.Add(jobId);
        _tasksQueued |= taskState == Protos.V1.TaskState.Queued;
    }

    public async Task<JobRecord?> FindJobAsync(string jobId) => Seen(await _reads.FindJobAsync(jobId, cancellationToken));

    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId) => Seen(await _reads.GetTasksAsync(jobId, cancellationToken));

    public async Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks)> FindJobWithTasksAsync(string jobId)
    {
        var (job, tasks) = await _reads.FindJobWithTasksAsync(jobId, cancellationToken);
        return (Seen(job), Seen(tasks));
    }

    public async Task<IReadOnlyList<(JobRecord Job, IReadOnlyList<TaskRecord> Tasks)>> FindJobsWithTasksAsync(IReadOnlyList<string> jobIds)
    {
        if (jobIds.Count == 0) return [];
        var (jobs, tasks) = await _reads.FindJobsWithTasksAsync(jobIds, cancellationToken);
        var byJob = JobSnapshot.TasksByJob(Seen(tasks));
        return jobs.Select(j => (Seen(j)!, (IReadOnlyList<TaskRecord>)byJob[j.Id].ToList())).ToList();
    }

    public async Task<TaskRecord?> FindTaskAsync(string taskId) => Seen(await _reads.FindTaskAsync(taskId, cancellationToken));

    public async Task<IReadOnlyList<TaskRecord>> ClaimQueuedTasksAsync(IReadOnlyList<string> taskIds) =>
        Seen(await _reads.ClaimQueuedTasksAsync(taskIds, cancellationToken));

    public async Task<(AttemptRecord? Attempt, TaskRecord? Task)> FindAttemptWithTaskAsync(string attemptId)
    {
        var (attempt, task) = await _reads.FindAttemptWithTaskAsync(attemptId, cancellationToken);
        return (Seen(attempt), Seen(task));
    }

    public async Task<IReadOnlyDictionary<string, (AttemptRecord Attempt, TaskRecord Task)>> FindAttemptsWithTasksAsync(IReadOnlyList<string> attemptIds)
    {
        if (attemptIds.Count == 0) return new Dictionary<string, (AttemptRecord, TaskRecord)>();
        var rows = await _reads.FindAttemptsWithTasksAsync(attemptIds.Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        return rows.ToDictionary(r => r.Attempt.Id, r => (Seen(r.Attempt)!, Seen(r.Task)!), StringComparer.Ordinal);
    }

    public async Task<AttemptRecord?> FindAttemptAsync(string attemptId) => Seen(await _reads.FindAttemptAsync(attemptId, cancellationToken));

    public async Task<IReadOnlyList<AttemptRecord>> GetTaskAttemptsAsync(string taskId) => Seen(await _reads.GetTaskAttemptsAsync(taskId, cancellationToken));

    public Task<PublishRecord?> FindPublishGrantAsync(string taskId) => _reads.FindPublishGrantAsync(taskId, cancellationToken);

    public Task RecordPublishGrantAsync(PublishRecord grant) => Defer(
        $"""
        INSERT INTO rf_publish_grants ({PublishGrantColumns}) VALUES (@task, @attempt, @job, @root, @path, @size, @sha, @output, @time)
        ON CONFLICT (task_id) DO UPDATE SET attempt_id = @attempt, job_id = @job, output_root = @root, output_path = @path,
            size_bytes = @size, sha256 = @sha, output = @output, grant_time = @time
        """,
        ("@task", grant.TaskId), ("@attempt", grant.AttemptId), ("@job", grant.JobId), ("@root", grant.Output.Root), ("@path", grant.Output.Path),
        ("@size", grant.SizeBytes), ("@sha", grant.Sha256), ("@output", ToJson(grant.Published)), ("@time", ToMillis(grant.GrantTime)));

    public Task DeletePublishGrantsAsync(IReadOnlyList<string> taskIds)
    {
        foreach (var taskId in taskIds.Distinct(StringComparer.Ordinal))
        {
            _writes.Add("DELETE FROM rf_publish_grants WHERE task_id = @task", [("@task", taskId)]);
        }

        return Task.CompletedTask;
    }

    public async Task<int> DeleteSettledPublishGrantsAsync()
    {
        await _writes.FlushAsync();
        return await connection.ExecuteAsync(transaction,
            "DELETE FROM rf_publish_grants WHERE EXISTS (SELECT 1 FROM rf_tasks t WHERE t.id = rf_publish_grants.task_id AND t.state IN (@succeeded, @failed, @canceled))",
            cancellationToken, ("@succeeded", (int)Protos.V1.TaskState.Succeeded), ("@failed", (int)Protos.V1.TaskState.Failed), ("@canceled", (int)Protos.V1.TaskState.Canceled));
    }

    public async Task<(int Jobs, int Attempts)> DeleteEndedJobsAsync(DateTimeOffset endedBefore, int limit)
    {
        await _writes.FlushAsync();
        // A job another job still waits for stays, whatever its age: its dependents are released or failed by its outcome.
        var ids = await connection.QueryAsync(transaction,
            """
            SELECT id FROM rf_jobs WHERE state IN (@succeeded, @failed, @canceled) AND end_time < @before
            AND NOT EXISTS (SELECT 1 FROM rf_job_deps d JOIN rf_jobs w ON w.id = d.job_id WHERE d.depends_on = rf_jobs.id AND w.state IN (@waiting, @queued, @running))
            ORDER BY end_time LIMIT @limit
            """, r => r.GetString(0), cancellationToken,
            ("@succeeded", (int)Protos.V1.JobState.Succeeded), ("@failed", (int)Protos.V1.JobState.Failed), ("@canceled", (int)Protos.V1.JobState.Canceled),
            ("@waiting", (int)Protos.V1.JobState.Waiting), ("@queued", (int)Protos.V1.JobState.Queued), ("@running", (int)Protos.V1.JobState.Running),
            ("@before", ToMillis(endedBefore)), ("@limit", limit));
        if (ids.Count == 0) return (0, 0);
        var list = _dialect.IdList(ids);
        var attempts = 0;
        foreach (var sql in new[]
        {
            $"DELETE FROM rf_attempt_logs WHERE attempt_id IN (SELECT id FROM rf_attempts WHERE {_dialect.InIds("job_id", "@ids")})",
            $"DELETE FROM rf_publish_grants WHERE {_dialect.InIds("job_id", "@ids")}",
            $"DELETE FROM rf_attempts WHERE {_dialect.InIds("job_id", "@ids")}",
            $"DELETE FROM rf_job_deps WHERE {_dialect.InIds("job_id", "@ids")} OR {_dialect.InIds("depends_on", "@ids")}",
            $"DELETE FROM rf_job_pauses WHERE {_dialect.InIds("job_id", "@ids")}",
            $"DELETE FROM rf_job_thumbnails WHERE {_dialect.InIds("job_id", "@ids")}",
            $"DELETE FROM rf_tasks WHERE {_dialect.InIds("job_id", "@ids")}",
            $"DELETE FROM rf_jobs WHERE {_dialect.InIds("id", "@ids")}",
        })
        {
            var deleted = await connection.ExecuteAsync(transaction, sql, cancellationToken, ("@ids", list));
            if (sql.StartsWith("DELETE FROM rf_attempts ", StringComparison.Ordinal)) attempts = deleted;
        }

        foreach (var id in ids) _jobs.Remove(id);
        _tasks.Clear();
        _attempts.Clear();
        return (ids.Count, attempts);
    }

    public async Task<IReadOnlyList<string>> ForgetDisconnectedAgentsAsync(string? agentId, DateTimeOffset disconnectedBefore)
    {
        await _writes.FlushAsync();
        var ids = await connection.QueryAsync(transaction,
            "SELECT agent_id FROM rf_agent_presence WHERE connected = 0 AND (agent_id = @id OR (@id IS NULL AND update_time < @before))",
            r => r.GetString(0), cancellationToken, ("@id", ToDb(agentId)), ("@before", ToMillis(disconnectedBefore)));
        if (ids.Count > 0)
        {
            await connection.ExecuteAsync(transaction, $"DELETE FROM rf_agent_presence WHERE connected = 0 AND {_dialect.InIds("agent_id", "@ids")}",
                cancellationToken, ("@ids", _dialect.IdList(ids)));
        }

        return ids;
    }

    public async Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsForTaskAsync(string taskId) => Seen(await _reads.GetRunningAttemptsAsync(taskId, cancellationToken));

    public async Task<IReadOnlyList<RunningRoute>> GetRunningRoutesAsync(IReadOnlyList<string> lockKeys)
    {
        if (lockKeys.Count > 0) await _reads.LockNamesAsync(lockKeys, cancellationToken);
        return await _reads.GetRunningRoutesAsync(cancellationToken);
    }

    private JobRecord? Seen(JobRecord? job)
    {
        if (job is not null) _jobs[job.Id] = job;
        return job;
    }

    private TaskRecord? Seen(TaskRecord? task)
    {
        if (task is not null) _tasks[task.Id] = task;
        return task;
    }

    private AttemptRecord? Seen(AttemptRecord? attempt)
    {
        if (attempt is not null) _attempts[attempt.Id] = attempt;
        return attempt;
    }

    private IReadOnlyList<TaskRecord> Seen(IReadOnlyList<TaskRecord> tasks)
    {
        foreach (var task in tasks) _tasks[task.Id] = task;
        return tasks;
    }

    private IReadOnlyList<AttemptRecord> Seen(IReadOnlyList<AttemptRecord> attempts)
    {
        foreach (var attempt in attempts) _attempts[attempt.Id] = attempt;
        return attempts;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetDependentJobIdsAsync(IReadOnlyList<string> jobIds)
    {
        if (jobIds.Count == 0) return new Dictionary<string, IReadOnlyList<string>>();
        var pairs = await _reads.GetDependentJobIdsAsync(jobIds, cancellationToken);
        return pairs.GroupBy(p => p.DependsOn, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.JobId).ToList(), StringComparer.Ordinal);
    }

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
        if (_attempts.TryGetValue(attempt.Id, out var seen)) _attempts[attempt.Id] = seen with { LogSize = size + take };
        return Task.FromResult(size + take);
    }

    public Task SetAgentDrainAsync(string agentId, bool draining, string reason, DateTimeOffset now) => Defer(
        """
        INSERT INTO rf_agents (id, draining, drain_reason, update_time) VALUES (@id, @draining, @reason, @now)
        ON CONFLICT (id) DO UPDATE SET draining = @draining, drain_reason = @reason, update_time = @now
        """, ("@id", agentId), ("@draining", draining ? 1 : 0), ("@reason", reason), ("@now", ToMillis(now)));

    public Task SetJobPauseAsync(string jobId, Protos.V1.JobPause? pause)
    {
        Changed(jobId);
        if (pause is null) return Defer("DELETE FROM rf_job_pauses WHERE job_id = @id", ("@id", jobId));
        return Defer(
            """
            INSERT INTO rf_job_pauses (job_id, paused_by, reason, pause_time) VALUES (@id, @by, @reason, @time)
            ON CONFLICT (job_id) DO UPDATE SET paused_by = @by, reason = @reason, pause_time = @time
            """, ("@id", jobId), ("@by", pause.PausedBy), ("@reason", pause.Reason), ("@time", ToMillis(pause.PauseTime.ToDateTimeOffset())));
    }

    public Task RenewLeaseAsync(string attemptId, DateTimeOffset until)
    {
        if (_attempts.TryGetValue(attemptId, out var seen)) _attempts[attemptId] = seen with { LeaseExpiry = until };
        return Defer("UPDATE rf_attempts SET lease_expiry = @until WHERE id = @id", ("@id", attemptId), ("@until", ToMillis(until)));
    }

    public async Task<int> ExtendRunningLeasesAsync(DateTimeOffset until)
    {
        await _writes.FlushAsync();
        _attempts.Clear();
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
        _jobs[job.Id] = job;
        // owner and name_key copy the spec's owner and lower-case name for ListJobs' filters (they never change).
        return Defer($"INSERT INTO rf_jobs ({JobColumns}, owner, name_key) VALUES (@id, @seq, @spec, @state, @create, @start, @end, @error, @result, @recurrence, @recurringJob, @owner, @nameKey)",
            [.. JobParameters(job), ("@owner", job.Spec.Owner), ("@nameKey", JobListFilter.NameKey(job.Spec.Name))]);
    }

    public Task UpdateJobAsync(JobRecord job)
    {
        Changed(job.Id);
        if (JobStateRollup.IsTerminal(job.State)) _endedJobs.Add(job.Id);
        if (_jobs.TryGetValue(job.Id, out var before))
        {
            _jobs[job.Id] = job;
            return Update("job", "rf_jobs", job.Id, RowChanges.Of(before, job));
        }

        return DeferOne("job", job.Id, "UPDATE rf_jobs SET spec = @spec, state = @state, start_time = @start, end_time = @end, error = @error, result = @result, recurrence = @recurrence WHERE id = @id",
            JobParameters(job));
    }

    public Task InsertTaskAsync(TaskRecord task)
    {
        Changed(task.JobId, task.State);
        _tasks[task.Id] = task;
        return Defer($"INSERT INTO rf_tasks ({TaskColumns}) VALUES (@id, @job, @state, @priority, @seq, @work, @req, @failed, @lost, @max, @notBefore, @waitingFor, @maxRun, @stall, @blocked)",
            TaskParameters(task));
    }

    public Task UpdateTaskAsync(TaskRecord task)
    {
        Changed(task.JobId, task.State);
        if (_tasks.TryGetValue(task.Id, out var before))
        {
            _tasks[task.Id] = task;
            return Update("task", "rf_tasks", task.Id, RowChanges.Of(before, task));
        }

        return DeferOne("task", task.Id, "UPDATE rf_tasks SET state = @state, priority = @priority, work = @work, requirements = @req, failed_attempts = @failed, lost_attempts = @lost, max_retries = @max, not_before = @notBefore, waiting_for = @waitingFor, max_run_ms = @maxRun, stall_ms = @stall, blocked_agents = @blocked WHERE id = @id",
            TaskParameters(task));
    }

    public Task InsertAttemptAsync(AttemptRecord attempt)
    {
        Changed(attempt.JobId);
        _attempts[attempt.Id] = attempt;
        return Defer($"INSERT INTO rf_attempts ({AttemptColumns}) VALUES (@id, @task, @job, @agent, @outcome, @start, @lease, @end, @class, @error, @exit, @log, @frames, @logSize, @timeline, @mediaMs)",
            AttemptParameters(attempt));
    }

    public Task UpdateAttemptAsync(AttemptRecord attempt)
    {
        Changed(attempt.JobId);
        if (_attempts.TryGetValue(attempt.Id, out var before))
        {
            _attempts[attempt.Id] = attempt;
            return Update("attempt", "rf_attempts", attempt.Id, RowChanges.Of(before, attempt));
        }

        return DeferOne("attempt", attempt.Id, "UPDATE rf_attempts SET outcome = @outcome, lease_expiry = @lease, end_time = @end, failure_class = @class, error = @error, exit_code = @exit, log_tail = @log, frames = @frames, timeline = @timeline, media_ms = @mediaMs WHERE id = @id",
            AttemptParameters(attempt));
    }

    /// <summary>Sets the changed columns of a row this transaction has seen (it exists: nothing to write when nothing changed).</summary>
    private Task Update(string what, string table, string id, List<(string Column, object? Value)> set)
    {
        if (set.Count == 0) return Task.CompletedTask;
        var (sql, parameters) = RowChanges.Update(table, id, set);
        return DeferOne(what, id, sql, parameters);
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
        ("@frames", a.Frames), ("@logSize", a.LogSize), ("@timeline", a.Timeline is null ? null : ToJson(a.Timeline)), ("@mediaMs", a.MediaMillis),
    ];
}
