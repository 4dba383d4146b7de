using System.Data.Common;
using System.Text;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.History;
using RenderFarm.Protos.V1;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// Every read the farm makes, in portable SQL; used alone and inside a transaction (where the transaction's
/// held writes go out with the next read: <see cref="PendingWrites"/>).
/// </summary>
internal sealed class SqlQueries(DbConnection connection, DbTransaction? transaction, SqlDialect dialect, PendingWrites? pending = null)
{
    /// <summary>Inside a transaction a row read to be changed is locked where the database needs it.</summary>
    private string Lock => transaction is null ? "" : dialect.RowLock;

    public async Task<JobRecord?> FindJobAsync(string jobId, CancellationToken ct) =>
        (await Query($"SELECT {JobColumns} FROM rf_jobs WHERE id = @id{Lock}", ReadJob, ct, ("@id", jobId))).FirstOrDefault();

    public async Task<IReadOnlyList<JobRecord>> FindJobsAsync(IReadOnlyList<string> jobIds, CancellationToken ct) =>
        await Query($"SELECT {JobColumns} FROM rf_jobs WHERE {dialect.InIds("id", "@ids")}", ReadJob, ct, ("@ids", dialect.IdList(jobIds)));

    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken ct) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE job_id = @id ORDER BY id", ReadTask, ct, ("@id", jobId));

    /// <summary>A job (locked inside a transaction, as <see cref="FindJobAsync"/>) and its tasks, in one round trip where the database batches.</summary>
    public async Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks)> FindJobWithTasksAsync(string jobId, CancellationToken ct)
    {
        if (pending is null) return (await FindJobAsync(jobId, ct), await GetTasksAsync(jobId, ct));
        var (jobs, tasks) = await pending.QueryAsync(
            $"SELECT {JobColumns} FROM rf_jobs WHERE id = @id{Lock}", ReadJob, [("@id", jobId)],
            $"SELECT {TaskColumns} FROM rf_tasks WHERE job_id = @id ORDER BY id", ReadTask, [("@id", jobId)]);
        return (jobs.FirstOrDefault(), tasks);
    }

    /// <summary>Jobs (locked, in id order, inside a transaction) and all their tasks, in one round trip where the database batches.</summary>
    public async Task<(IReadOnlyList<JobRecord> Jobs, IReadOnlyList<TaskRecord> Tasks)> FindJobsWithTasksAsync(IReadOnlyList<string> jobIds, CancellationToken ct)
    {
        var ids = dialect.IdList(jobIds);
        var jobs = $"SELECT {JobColumns} FROM rf_jobs WHERE {dialect.InIds("id", "@ids")} ORDER BY id{Lock}";
        var tasks = $"SELECT {TaskColumns} FROM rf_tasks WHERE {dialect.InIds("job_id", "@ids")}";
        if (pending is null) return (await Query(jobs, ReadJob, ct, ("@ids", ids)), await Query(tasks, ReadTask, ct, ("@ids", ids)));
        return await pending.QueryAsync(jobs, ReadJob, [("@ids", ids)], tasks, ReadTask, [("@ids", ids)]);
    }

    public async Task<TaskRecord?> FindTaskAsync(string taskId, CancellationToken ct) =>
        (await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE id = @id{Lock}", ReadTask, ct, ("@id", taskId))).FirstOrDefault();

    /// <summary>Of <paramref name="taskIds"/>, the tasks still QUEUED that no other transaction is claiming, in one statement; locked until the transaction ends.</summary>
    public async Task<IReadOnlyList<TaskRecord>> ClaimQueuedTasksAsync(IReadOnlyList<string> taskIds, CancellationToken ct) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE {dialect.InIds("id", "@ids")} AND state = @queued AND {NotPaused} ORDER BY id{dialect.ClaimLock}", ReadTask, ct,
            ("@ids", dialect.IdList(taskIds)), ("@queued", (int)TaskState.Queued));

    /// <summary>An attempt and its task, read (and locked inside a transaction) by one statement.</summary>
    public async Task<(AttemptRecord? Attempt, TaskRecord? Task)> FindAttemptWithTaskAsync(string attemptId, CancellationToken ct)
    {
        var attemptColumns = AttemptColumns.Split(", ");
        var columns = string.Join(", ", attemptColumns.Select(c => "a." + c).Concat(TaskColumns.Split(", ").Select(c => "t." + c)));
        var rows = await Query($"SELECT {columns} FROM rf_attempts a JOIN rf_tasks t ON t.id = a.task_id WHERE a.id = @id{Lock}",
            r => (ReadAttempt(r), ReadTask(r, attemptColumns.Length)), ct, ("@id", attemptId));
        return rows.Count == 0 ? (null, null) : rows[0];
    }

    /// <summary>The attempts of <paramref name="attemptIds"/> that exist, each with its task, locked in attempt id order, in one statement.</summary>
    public async Task<IReadOnlyList<(AttemptRecord Attempt, TaskRecord Task)>> FindAttemptsWithTasksAsync(IReadOnlyList<string> attemptIds, CancellationToken ct)
    {
        var attemptColumns = AttemptColumns.Split(", ");
        var columns = string.Join(", ", attemptColumns.Select(c => "a." + c).Concat(TaskColumns.Split(", ").Select(c => "t." + c)));
        return await Query($"SELECT {columns} FROM rf_attempts a JOIN rf_tasks t ON t.id = a.task_id WHERE {dialect.InIds("a.id", "@ids")} ORDER BY a.id{Lock}",
            r => (ReadAttempt(r), ReadTask(r, attemptColumns.Length)), ct, ("@ids", dialect.IdList(attemptIds)));
    }

    public async Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken ct) =>
        (await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE id = @id{Lock}", ReadAttempt, ct, ("@id", attemptId))).FirstOrDefault();

    public async Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken ct) =>
        await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE job_id = @id ORDER BY start_time, id", ReadAttempt, ct, ("@id", jobId));

    /// <summary>The task's recorded publish grant (locked inside a transaction), or null.</summary>
    public async Task<PublishRecord?> FindPublishGrantAsync(string taskId, CancellationToken ct) =>
        (await Query($"SELECT {PublishGrantColumns} FROM rf_publish_grants WHERE task_id = @id{Lock}", ReadPublishGrant, ct, ("@id", taskId))).FirstOrDefault();

    public async Task<IReadOnlyList<AttemptRecord>> GetTaskAttemptsAsync(string taskId, CancellationToken ct) =>
        await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE task_id = @id ORDER BY start_time, id", ReadAttempt, ct, ("@id", taskId));

    public async Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(string? taskId, CancellationToken ct) =>
        taskId is null
            ? await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE outcome = @running", ReadAttempt, ct, ("@running", (int)AttemptOutcome.Running))
            : await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE task_id = @id AND outcome = @running", ReadAttempt, ct,
                ("@id", taskId), ("@running", (int)AttemptOutcome.Running));

    /// <summary>Running attempts' jobs, agents and limit groups (on the outcome index; only routed tasks' requirements are parsed).</summary>
    public async Task<IReadOnlyList<RunningRoute>> GetRunningRoutesAsync(CancellationToken ct) =>
        await Query("SELECT a.job_id, a.agent_id, t.requirements FROM rf_attempts a JOIN rf_tasks t ON t.id = a.task_id WHERE a.outcome = @running",
            r => new RunningRoute(r.GetString(0), r.GetString(1), LimitGroupOf(r.GetString(2))), ct, ("@running", (int)AttemptOutcome.Running));

    private static string LimitGroupOf(string requirements) =>
        requirements.Count(c => c == ';') < 6 ? "" : TaskRequirements.Parse(requirements).LimitGroup;

    /// <summary>Takes a lock per name until the transaction ends, in name order (PostgreSQL: advisory locks; nothing on SQLite, whose writers take turns).</summary>
    public async Task LockNamesAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        if (dialect.NameLock.Length == 0) return;
        foreach (var name in names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await Query(dialect.NameLock, _ => 0, ct, ("@name", name));
        }
    }

    /// <summary>Running attempts with their task's time limits, in one query (the sweep reads it every few seconds).</summary>
    public async Task<IReadOnlyList<(AttemptRecord Attempt, TaskLimits Limits)>> GetRunningAttemptLimitsAsync(CancellationToken ct)
    {
        var columns = string.Join(", ", AttemptColumns.Split(", ").Select(c => "a." + c));
        var limitsAt = AttemptColumns.Split(", ").Length;
        return await Query(
            $"SELECT {columns}, t.max_run_ms, t.stall_ms FROM rf_attempts a JOIN rf_tasks t ON t.id = a.task_id WHERE a.outcome = @running",
            r => (ReadAttempt(r), new TaskLimits(TimeSpan.FromMilliseconds(r.GetInt64(limitsAt)), TimeSpan.FromMilliseconds(r.GetInt64(limitsAt + 1)))),
            ct, ("@running", (int)AttemptOutcome.Running));
    }

    /// <summary>
    /// Jobs newest first that <paramref name="filter"/> lets through. The statement's text depends only on which filters
    /// are set (and the state numbers); what a user typed travels as parameters, the name as a LIKE pattern with its
    /// wildcards escaped. The owner is answered by <c>rf_jobs_by_owner</c> (owner, seq), a batch by <c>rf_batch_jobs</c>'s key.
    /// </summary>
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(JobListFilter filter, long? beforeSeq, int limit, CancellationToken ct)
    {
        var where = new List<string> { "seq < @before" };
        var parameters = new List<(string, object?)> { ("@before", beforeSeq ?? long.MaxValue), ("@limit", limit) };
        if (filter.States.Count > 0) where.Add($"state IN ({string.Join(", ", filter.States.Select(s => (int)s))})");
        if (filter.Owner.Length > 0)
        {
            where.Add("owner = @owner");
            parameters.Add(("@owner", filter.Owner));
        }

        if (filter.NameContains.Length > 0)
        {
            where.Add(@"name_key LIKE @name ESCAPE '\'");
            parameters.Add(("@name", "%" + LikeEscaped(JobListFilter.NameKey(filter.NameContains)) + "%"));
        }

        if (filter.BatchId.Length > 0)
        {
            where.Add("id IN (SELECT job_id FROM rf_batch_jobs WHERE batch_id = @batch)");
            parameters.Add(("@batch", filter.BatchId));
        }

        var filters = string.Join(" AND ", where);
        var sql = filter.NameContains.Length == 0 || dialect.Name != "sqlite"
            ? $"SELECT {JobColumns} FROM rf_jobs WHERE {filters} ORDER BY seq DESC LIMIT @limit"
            // SQLite matches a name by scanning: first the page's seqs, on the narrow index rf_jobs_by_name (seq, name_key) where
            // no other filter picks a better one, then only those rows are read (a scan of the rows reads every spec: 3-5 times
            // slower at 100,000 jobs). PostgreSQL plans the plain query better than this one.
            : $"SELECT {JobColumns} FROM rf_jobs WHERE seq IN (SELECT seq FROM rf_jobs WHERE {filters} ORDER BY seq DESC LIMIT @limit) ORDER BY seq DESC LIMIT @limit";
        return await Query(sql, ReadJob, ct, [.. parameters]);
    }

    /// <summary>Text matched literally by <c>LIKE … ESCAPE '\'</c>: its <c>%</c>, <c>_</c> and <c>\</c> escaped.</summary>
    internal static string LikeEscaped(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    public async Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken ct) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE state = {SqlSchema.Queued} AND {NotPaused} ORDER BY priority DESC, seq ASC LIMIT @limit",
            ReadTask, ct, ("@limit", limit));

    /// <summary>Job control: a task of a paused job is not dispatched (<c>rf_job_pauses</c>).</summary>
    private const string NotPaused = "NOT EXISTS (SELECT 1 FROM rf_job_pauses p WHERE p.job_id = rf_tasks.job_id)";

    /// <summary>The pauses of those of <paramref name="jobIds"/> that are paused, by job id.</summary>
    public async Task<IReadOnlyDictionary<string, JobPause>> FindJobPausesAsync(IReadOnlyList<string> jobIds, CancellationToken ct) =>
        (await Query($"SELECT job_id, paused_by, reason, pause_time FROM rf_job_pauses WHERE {dialect.InIds("job_id", "@ids")}",
            r => (r.GetString(0), new JobPause
            {
                PausedBy = r.GetString(1),
                Reason = r.GetString(2),
                PauseTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))),
            }), ct, ("@ids", dialect.IdList(jobIds))))
        .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken ct) => (await CountStatesAsync(ct)).Jobs;

    public async Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken ct) => (await CountStatesAsync(ct)).Tasks;

    /// <summary>
    /// Jobs and tasks by state, summed from the counters the database keeps (<see cref="StateCounts"/>), and how
    /// many counter rows were summed.
    /// </summary>
    public async Task<(IReadOnlyDictionary<JobState, int> Jobs, IReadOnlyDictionary<TaskState, int> Tasks, long Rows)> CountStatesAsync(CancellationToken ct)
    {
        var rows = await Query(StateCounts.ReadSql, r => (Kind: r.GetInt32(0), State: r.GetInt32(1), Count: Convert.ToInt64(r.GetValue(2)), Rows: Convert.ToInt64(r.GetValue(3))), ct);
        return (rows.Where(r => r.Kind == StateCounts.JobKind && r.Count != 0).ToDictionary(r => (JobState)r.State, r => (int)r.Count),
            rows.Where(r => r.Kind == StateCounts.TaskKind && r.Count != 0).ToDictionary(r => (TaskState)r.State, r => (int)r.Count),
            rows.Sum(r => r.Rows));
    }

    public async Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken ct)
    {
        var rows = await Query(
            $"SELECT j.id, j.create_time FROM rf_tasks t JOIN rf_jobs j ON j.id = t.job_id WHERE t.state = {SqlSchema.Queued} ORDER BY t.seq ASC LIMIT 1",
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1))), ct);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<(IReadOnlyList<TaskRecord> TimedTasks, IReadOnlyList<JobRecord> RecurringJobs)> GetTimedWorkAsync(CancellationToken ct)
    {
        var tasks = await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE state = {SqlSchema.Waiting} AND not_before IS NOT NULL", ReadTask, ct);
        var jobs = await Query($"SELECT {JobColumns} FROM rf_jobs WHERE state = @waiting AND recurrence IS NOT NULL", ReadJob, ct,
            ("@waiting", (int)JobState.Waiting));
        return (tasks, jobs);
    }

    /// <summary>Chained tasks waiting for their input's check: WAITING with a time (so on the partial index <c>rf_tasks_timed</c>).</summary>
    public async Task<IReadOnlyList<TaskRecord>> GetTasksWaitingForInputAsync(CancellationToken ct) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE state = {SqlSchema.Waiting} AND not_before IS NOT NULL AND waiting_for = {(int)TaskWait.Input}", ReadTask, ct);

    public async Task<long> GetMaxSeqAsync(CancellationToken ct) =>
        (await Query("SELECT COALESCE(MAX(seq), 0) FROM rf_jobs", r => r.GetInt64(0), ct))[0];

    /// <summary>(dependency, dependent) pairs for the dependencies <paramref name="jobIds"/>, in dependent id order.</summary>
    public async Task<IReadOnlyList<(string DependsOn, string JobId)>> GetDependentJobIdsAsync(IReadOnlyList<string> jobIds, CancellationToken ct) =>
        await Query($"SELECT depends_on, job_id FROM rf_job_deps WHERE {dialect.InIds("depends_on", "@ids")} ORDER BY job_id",
            r => (r.GetString(0), r.GetString(1)), ct, ("@ids", dialect.IdList(jobIds)));

    /// <summary>For each time, attempts that ended since then (one scan of the widest window).</summary>
    public async Task<IReadOnlyList<(int Succeeded, int Failed, long Frames)>> GetFinishedSinceAsync(IReadOnlyList<DateTimeOffset> since, CancellationToken ct)
    {
        var columns = string.Join(", ", since.Select((_, i) =>
            $"SUM(CASE WHEN end_time >= @since{i} THEN 1 ELSE 0 END), CAST(SUM(CASE WHEN end_time >= @since{i} THEN frames ELSE 0 END) AS BIGINT)"));
        var parameters = since.Select((s, i) => ($"@since{i}", (object?)ToMillis(s))).Append(("@from", ToMillis(since.Min()))).ToArray();
        var rows = await Query(
            $"SELECT outcome, {columns} FROM rf_attempts WHERE end_time >= @from GROUP BY outcome",
            r => ((AttemptOutcome)r.GetInt32(0), Enumerable.Range(0, since.Count).Select(i => (Convert.ToInt32(r.GetValue(1 + 2 * i)), r.GetInt64(2 + 2 * i))).ToArray()),
            ct, parameters);
        return since.Select((_, i) => (
            rows.Where(r => r.Item1 == AttemptOutcome.Succeeded).Sum(r => r.Item2[i].Item1),
            rows.Where(r => r.Item1 == AttemptOutcome.Failed).Sum(r => r.Item2[i].Item1),
            rows.Where(r => r.Item1 == AttemptOutcome.Succeeded).Sum(r => r.Item2[i].Item2))).ToList();
    }

    /// <summary>
    /// Throughput: the sums <see cref="ThroughputBuckets"/> makes a series of, grouped by bucket in the database (a few rows per
    /// bucket, whatever the farm did). Attempts are found by <c>rf_attempts_by_end</c> (and the running ones by outcome), jobs by
    /// <c>rf_jobs_by_end</c>, so only the window's rows are read.
    /// </summary>
    public async Task<ThroughputRows> GetThroughputAsync(ThroughputWindow window, CancellationToken ct)
    {
        (string, object?)[] parameters =
        [
            ("@from", ToMillis(window.Start)), ("@to", ToMillis(window.End)), ("@bucket", (long)window.Bucket.TotalMilliseconds),
            ("@running", (int)AttemptOutcome.Running),
        ];
        var ends = await Query(
            "SELECT (end_time - @from) / @bucket, outcome, COUNT(*), CAST(SUM(frames) AS BIGINT), CAST(SUM(media_ms) AS BIGINT), CAST(SUM(end_time - @from) AS BIGINT) " +
            "FROM rf_attempts WHERE end_time >= @from AND end_time < @to GROUP BY (end_time - @from) / @bucket, outcome",
            r => ((int)r.GetInt64(0), (AttemptOutcome)r.GetInt32(1), Convert.ToInt32(r.GetValue(2)), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)), ct, parameters);
        var starts = await Query(
            "SELECT CASE WHEN start_time < @from THEN -1 ELSE (start_time - @from) / @bucket END, COUNT(*), " +
            "CAST(SUM(CASE WHEN start_time < @from THEN 0 ELSE start_time - @from END) AS BIGINT), CAST(SUM(CASE WHEN outcome = @running THEN 1 ELSE 0 END) AS BIGINT) " +
            "FROM rf_attempts WHERE (end_time >= @from AND end_time < @to) OR outcome = @running " +
            "GROUP BY CASE WHEN start_time < @from THEN -1 ELSE (start_time - @from) / @bucket END",
            r => ((int)r.GetInt64(0), Convert.ToInt32(r.GetValue(1)), r.GetInt64(2), r.GetInt64(3)), ct, parameters);
        var jobs = await Query(
            // Every ended state is read (no condition on state, which would lead SQLite to the state index: all succeeded jobs).
            "SELECT (end_time - @from) / @bucket, state, COUNT(*) FROM rf_jobs WHERE end_time >= @from AND end_time < @to GROUP BY (end_time - @from) / @bucket, state",
            r => ((int)r.GetInt64(0), (JobState)r.GetInt32(1), Convert.ToInt32(r.GetValue(2))), ct, parameters);
        return new ThroughputRows(ends, starts.Select(s => (s.Item1, s.Item2, s.Item3)).ToList(), (int)starts.Sum(s => s.Item4), jobs);
    }

    /// <summary>Up to <paramref name="maxBytes"/> bytes of an attempt's log starting at byte <paramref name="from"/>.</summary>
    public async Task<byte[]> ReadLogAsync(string attemptId, long from, int maxBytes, CancellationToken ct)
    {
        var pieces = await Query(
            "SELECT log_offset, text FROM rf_attempt_logs WHERE attempt_id = @id AND log_offset + length > @from ORDER BY log_offset",
            r => (r.GetInt64(0), r.GetString(1)), ct, ("@id", attemptId), ("@from", from));
        using var page = new MemoryStream();
        foreach (var (offset, text) in pieces)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var skip = (int)Math.Max(0, from - offset);
            var take = Math.Min(bytes.Length - skip, maxBytes - (int)page.Length);
            if (take <= 0) break;
            page.Write(bytes, skip, take);
        }

        return page.ToArray();
    }

    public async Task<IReadOnlyDictionary<string, string>> GetDrainedAgentsAsync(CancellationToken ct) =>
        (await Query("SELECT id, drain_reason FROM rf_agents WHERE draining = 1", r => (r.GetString(0), r.IsDBNull(1) ? "" : r.GetString(1)), ct))
            .ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);

    /// <summary>PostgreSQL: folds the counter rows of ended sessions into shard 0 (<see cref="StateCounts.FoldSql"/>).</summary>
    public Task FoldStateCountsAsync(CancellationToken ct) => connection.ExecuteAsync(transaction, StateCounts.FoldSql, ct);

    private Task<List<T>> Query<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string, object?)[] parameters) =>
        pending is null ? connection.QueryAsync(transaction, sql, read, ct, parameters) : pending.QueryAsync(sql, read, parameters);
}
