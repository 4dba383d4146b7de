using System.Data.Common;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The store over any ADO.NET database: reads stand alone on a pooled connection, changes run in one
/// transaction through <see cref="SqlJobTransaction"/>. Subclasses open connections and decide how a
/// transaction starts, commits and is retried; the queries are shared (<see cref="SqlQueries"/>).
/// </summary>
public abstract class SqlJobStore(SqlDialect dialect) : IJobStore
{
    public event Action<StoreCommit>? Committed;

    protected SqlDialect Dialect => dialect;

    public abstract Task InitializeAsync(CancellationToken cancellationToken);

    public abstract Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken);

    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>An open connection to the farm's database, for other tables that live beside the store's (access keys).</summary>
    public Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>Tells listeners about a committed change (made here, or by another coordinator).</summary>
    protected void RaiseCommitted(StoreCommit commit) => Committed?.Invoke(commit);

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

    private async Task<T> Read<T>(Func<SqlQueries, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await read(new SqlQueries(connection, null, dialect));
    }
}
