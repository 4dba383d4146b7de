using System.Data.Common;
using System.Text;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>Every read the farm makes, in portable SQL; used alone and inside a transaction.</summary>
internal sealed class SqlQueries(DbConnection connection, DbTransaction? transaction, SqlDialect dialect)
{
    /// <summary>Inside a transaction a row read to be changed is locked where the database needs it.</summary>
    private string Lock => transaction is null ? "" : dialect.RowLock;

    public async Task<JobRecord?> FindJobAsync(string jobId, CancellationToken ct) =>
        (await Query($"SELECT {JobColumns} FROM rf_jobs WHERE id = @id{Lock}", ReadJob, ct, ("@id", jobId))).FirstOrDefault();

    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken ct) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE job_id = @id ORDER BY id", ReadTask, ct, ("@id", jobId));

    public async Task<TaskRecord?> FindTaskAsync(string taskId, CancellationToken ct) =>
        (await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE id = @id{Lock}", ReadTask, ct, ("@id", taskId))).FirstOrDefault();

    /// <summary>The task if it is still QUEUED and no other transaction is claiming it; locked until the transaction ends.</summary>
    public async Task<TaskRecord?> ClaimQueuedTaskAsync(string taskId, CancellationToken ct) =>
        (await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE id = @id AND state = @queued{dialect.ClaimLock}", ReadTask, ct,
            ("@id", taskId), ("@queued", (int)TaskState.Queued))).FirstOrDefault();

    public async Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken ct) =>
        (await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE id = @id{Lock}", ReadAttempt, ct, ("@id", attemptId))).FirstOrDefault();

    public async Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken ct) =>
        await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE job_id = @id ORDER BY start_time, id", ReadAttempt, ct, ("@id", jobId));

    public async Task<IReadOnlyList<AttemptRecord>> GetTaskAttemptsAsync(string taskId, CancellationToken ct) =>
        await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE task_id = @id ORDER BY start_time, id", ReadAttempt, ct, ("@id", taskId));

    public async Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(string? taskId, CancellationToken ct) =>
        taskId is null
            ? await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE outcome = @running", ReadAttempt, ct, ("@running", (int)AttemptOutcome.Running))
            : await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE task_id = @id AND outcome = @running", ReadAttempt, ct,
                ("@id", taskId), ("@running", (int)AttemptOutcome.Running));

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

    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(IReadOnlyCollection<JobState> states, long? beforeSeq, int limit, CancellationToken ct)
    {
        var stateFilter = states.Count == 0 ? "" : $" AND state IN ({string.Join(", ", states.Select(s => (int)s))})";
        return await Query(
            $"SELECT {JobColumns} FROM rf_jobs WHERE seq < @before{stateFilter} ORDER BY seq DESC LIMIT @limit",
            ReadJob, ct, ("@before", beforeSeq ?? long.MaxValue), ("@limit", limit));
    }

    public async Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken ct) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE state = @queued ORDER BY priority DESC, seq ASC LIMIT @limit",
            ReadTask, ct, ("@queued", (int)TaskState.Queued), ("@limit", limit));

    public async Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken ct) =>
        (await Query("SELECT state, COUNT(*) FROM rf_jobs GROUP BY state", r => ((JobState)r.GetInt32(0), Convert.ToInt32(r.GetValue(1))), ct))
            .ToDictionary(r => r.Item1, r => r.Item2);

    public async Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken ct) =>
        (await Query("SELECT state, COUNT(*) FROM rf_tasks GROUP BY state", r => ((TaskState)r.GetInt32(0), Convert.ToInt32(r.GetValue(1))), ct))
            .ToDictionary(r => r.Item1, r => r.Item2);

    public async Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken ct)
    {
        var rows = await Query(
            "SELECT j.id, j.create_time FROM rf_tasks t JOIN rf_jobs j ON j.id = t.job_id WHERE t.state = @queued ORDER BY t.seq ASC LIMIT 1",
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1))), ct, ("@queued", (int)TaskState.Queued));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<(IReadOnlyList<TaskRecord> TimedTasks, IReadOnlyList<JobRecord> RecurringJobs)> GetTimedWorkAsync(CancellationToken ct)
    {
        var tasks = await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE state = @waiting AND not_before IS NOT NULL", ReadTask, ct,
            ("@waiting", (int)TaskState.Waiting));
        var jobs = await Query($"SELECT {JobColumns} FROM rf_jobs WHERE state = @waiting AND recurrence IS NOT NULL", ReadJob, ct,
            ("@waiting", (int)JobState.Waiting));
        return (tasks, jobs);
    }

    public async Task<long> GetMaxSeqAsync(CancellationToken ct) =>
        (await Query("SELECT COALESCE(MAX(seq), 0) FROM rf_jobs", r => r.GetInt64(0), ct))[0];

    public async Task<IReadOnlyList<string>> GetDependentJobIdsAsync(string jobId, CancellationToken ct) =>
        await Query("SELECT job_id FROM rf_job_deps WHERE depends_on = @id ORDER BY job_id", r => r.GetString(0), ct, ("@id", jobId));

    /// <summary>Attempts that ended since <paramref name="since"/>: succeeded, failed, and frames of the successes.</summary>
    public async Task<(int Succeeded, int Failed, long Frames)> GetFinishedSinceAsync(DateTimeOffset since, CancellationToken ct)
    {
        var rows = await Query(
            "SELECT outcome, COUNT(*), CAST(COALESCE(SUM(frames), 0) AS BIGINT) FROM rf_attempts WHERE end_time >= @since GROUP BY outcome",
            r => ((AttemptOutcome)r.GetInt32(0), Convert.ToInt32(r.GetValue(1)), r.GetInt64(2)), ct, ("@since", ToMillis(since)));
        return (rows.Where(r => r.Item1 == AttemptOutcome.Succeeded).Sum(r => r.Item2),
            rows.Where(r => r.Item1 == AttemptOutcome.Failed).Sum(r => r.Item2),
            rows.Where(r => r.Item1 == AttemptOutcome.Succeeded).Sum(r => r.Item3));
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

    private Task<List<T>> Query<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params (string, object?)[] parameters) =>
        connection.QueryAsync(transaction, sql, read, ct, parameters);
}
