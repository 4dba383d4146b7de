using Microsoft.Data.Sqlite;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode. Writers are serialised in-process (SQLite has one
/// writer anyway) and each transaction starts IMMEDIATE, so readers never block and writers never deadlock.
/// </summary>
public sealed class SqliteJobStore(string connectionString) : IJobStore
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>The connection string for a database file, shared with Quartz's store.</summary>
    public static string ConnectionStringFor(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = 30,
        Pooling = true,
    }.ToString();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(null, "PRAGMA journal_mode = WAL", cancellationToken);
        foreach (var statement in SqlSchema.Statements)
        {
            await connection.ExecuteAsync(null, statement, cancellationToken);
        }

        var versions = await connection.QueryAsync(null, "SELECT version FROM rf_schema", r => r.GetInt32(0), cancellationToken);
        if (versions.Count == 0)
        {
            await connection.ExecuteAsync(null, "INSERT INTO rf_schema (version) VALUES (@v)", cancellationToken, ("@v", SqlSchema.Version));
        }
        else if (versions[0] > SqlSchema.Version)
        {
            throw new InvalidOperationException($"The database has schema version {versions[0]}, newer than this coordinator's {SqlSchema.Version}: upgrade the coordinator.");
        }
    }

    public async Task<JobRecord?> FindJobAsync(string jobId, CancellationToken cancellationToken) =>
        (await Query($"SELECT {JobColumns} FROM rf_jobs WHERE id = @id", ReadJob, cancellationToken, ("@id", jobId))).FirstOrDefault();

    public async Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE job_id = @id ORDER BY id", ReadTask, cancellationToken, ("@id", jobId));

    public async Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken cancellationToken) =>
        await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE job_id = @id ORDER BY start_time, id", ReadAttempt, cancellationToken, ("@id", jobId));

    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(IReadOnlyCollection<JobState> states, long? beforeSeq, int limit, CancellationToken cancellationToken)
    {
        var stateFilter = states.Count == 0 ? "" : $" AND state IN ({string.Join(", ", states.Select(s => (int)s))})";
        return await Query(
            $"SELECT {JobColumns} FROM rf_jobs WHERE seq < @before{stateFilter} ORDER BY seq DESC LIMIT @limit",
            ReadJob, cancellationToken, ("@before", beforeSeq ?? long.MaxValue), ("@limit", limit));
    }

    public async Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken cancellationToken) =>
        await Query($"SELECT {TaskColumns} FROM rf_tasks WHERE state = @queued ORDER BY priority DESC, seq ASC LIMIT @limit",
            ReadTask, cancellationToken, ("@queued", (int)TaskState.Queued), ("@limit", limit));

    public async Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken cancellationToken) =>
        (await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE id = @id", ReadAttempt, cancellationToken, ("@id", attemptId))).FirstOrDefault();

    public async Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(CancellationToken cancellationToken) =>
        await Query($"SELECT {AttemptColumns} FROM rf_attempts WHERE outcome = @running", ReadAttempt, cancellationToken, ("@running", (int)AttemptOutcome.Running));

    public async Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken cancellationToken)
    {
        var rows = await Query("SELECT state, COUNT(*) FROM rf_jobs GROUP BY state", r => ((JobState)r.GetInt32(0), r.GetInt32(1)), cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    public async Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken cancellationToken)
    {
        var rows = await Query("SELECT state, COUNT(*) FROM rf_tasks GROUP BY state", r => ((TaskState)r.GetInt32(0), r.GetInt32(1)), cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    public async Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken cancellationToken)
    {
        var rows = await Query(
            "SELECT j.id, j.create_time FROM rf_tasks t JOIN rf_jobs j ON j.id = t.job_id WHERE t.state = @queued ORDER BY t.seq ASC LIMIT 1",
            r => (r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1))), cancellationToken, ("@queued", (int)TaskState.Queued));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<long> GetMaxSeqAsync(CancellationToken cancellationToken) =>
        (await Query("SELECT COALESCE(MAX(seq), 0) FROM rf_jobs", r => r.GetInt64(0), cancellationToken))[0];

    public async Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(new SqlJobTransaction(connection, transaction, cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<List<T>> Query<T>(string sql, Func<System.Data.Common.DbDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.QueryAsync(null, sql, read, cancellationToken, parameters);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
