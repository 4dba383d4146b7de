using Microsoft.Data.Sqlite;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode. Writers are serialised in-process (SQLite has one
/// writer anyway) and each transaction starts IMMEDIATE, so readers never block and writers never deadlock.
/// </summary>
public sealed class SqliteJobStore(string connectionString) : IJobStore
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public event Action<StoreCommit>? Committed;

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
        await SchemaMigrator.MigrateAsync(connection, cancellationToken);
    }

    public Task<JobRecord?> FindJobAsync(string jobId, CancellationToken cancellationToken) =>
        Read(q => q.FindJobAsync(jobId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken) =>
        Read(q => q.GetTasksAsync(jobId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken cancellationToken) =>
        Read(q => q.GetAttemptsAsync(jobId, cancellationToken), cancellationToken);

    public Task<(IReadOnlyList<TaskRecord> TimedTasks, IReadOnlyList<JobRecord> RecurringJobs)> GetTimedWorkAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetTimedWorkAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(IReadOnlyCollection<JobState> states, long? beforeSeq, int limit, CancellationToken cancellationToken) =>
        Read(q => q.ListJobsAsync(states, beforeSeq, limit, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken cancellationToken) =>
        Read(q => q.GetQueuedTasksAsync(limit, cancellationToken), cancellationToken);

    public Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken cancellationToken) =>
        Read(q => q.FindAttemptAsync(attemptId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetRunningAttemptsAsync(null, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<(AttemptRecord Attempt, TaskLimits Limits)>> GetRunningAttemptLimitsAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetRunningAttemptLimitsAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken cancellationToken) =>
        Read(q => q.CountJobsByStateAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken cancellationToken) =>
        Read(q => q.CountTasksByStateAsync(cancellationToken), cancellationToken);

    public Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken cancellationToken) =>
        Read(q => q.FindOldestQueuedAsync(cancellationToken), cancellationToken);

    public Task<(int Succeeded, int Failed, long Frames)> GetFinishedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        Read(q => q.GetFinishedSinceAsync(since, cancellationToken), cancellationToken);

    public Task<byte[]> ReadLogAsync(string attemptId, long from, int maxBytes, CancellationToken cancellationToken) =>
        Read(q => q.ReadLogAsync(attemptId, from, maxBytes, cancellationToken), cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> GetDrainedAgentsAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetDrainedAgentsAsync(cancellationToken), cancellationToken);

    public Task<long> GetMaxSeqAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetMaxSeqAsync(cancellationToken), cancellationToken);

    public async Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        StoreCommit? summary = null;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var tx = new SqlJobTransaction(connection, transaction, cancellationToken);
            var result = await work(tx);
            await transaction.CommitAsync(cancellationToken);
            summary = tx.Summary;
            return result;
        }
        finally
        {
            _writeLock.Release();
            if (summary is not null) Committed?.Invoke(summary);
        }
    }

    private async Task<T> Read<T>(Func<SqlQueries, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await read(new SqlQueries(connection, null));
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
