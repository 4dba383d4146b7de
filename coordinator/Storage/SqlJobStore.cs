using System.Data.Common;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The store over any ADO.NET database: reads stand alone on a pooled connection, changes run through
/// <see cref="SqlJobTransaction"/> in group-committed transactions (<see cref="GroupCommit"/>): the work
/// of many callers that queue up together runs in one transaction, in the order it was queued, and every
/// caller is answered after that one commit. Subclasses open connections, may add to a transaction before
/// it commits, and say which failures mean "run the group again"; the queries are shared (<see cref="SqlQueries"/>).
/// <para>
/// A piece of work that throws leaves its group: the transaction is rolled back, that caller gets its
/// exception, and the others run again, in order, in a new transaction (work may run more than once before
/// it commits, and must only decide inside the transaction). So one caller's error never fails or undoes
/// another caller's change, and the order within a group is the order a single writer would have used.
/// </para>
/// </summary>
public abstract class SqlJobStore : IJobStore
{
    /// <summary>The most pieces of work one transaction carries.</summary>
    public const int MaxGroup = 256;

    private const int MaxTries = 8;

    private readonly SqlDialect _dialect;
    private readonly GroupCommit _commits;
    private long _lastFold = Environment.TickCount64;

    protected SqlJobStore(SqlDialect dialect, int writers)
    {
        _dialect = dialect;
        _commits = new GroupCommit(CommitGroupAsync, Math.Max(1, writers), MaxGroup);
    }

    public event Action<StoreCommit>? Committed;

    protected SqlDialect Dialect => _dialect;

    public abstract Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in a transaction shared with other callers' work queued at the same time; answers after it commits.</summary>
    public Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _commits.RunAsync(work, cancellationToken);

    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A connection for one group's transaction (SQLite sets how commits are flushed on it).</summary>
    protected virtual Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>Done with a group's connection; <paramref name="healthy"/> is false when its group failed on the connection itself.</summary>
    protected virtual ValueTask ReleaseWriterAsync(DbConnection connection, bool healthy) => connection.DisposeAsync();

    /// <summary>A connection for one read (SQLite keeps a few open, with their statements prepared).</summary>
    protected virtual Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>Done with a read's connection; <paramref name="healthy"/> is false when the read failed.</summary>
    protected virtual ValueTask ReleaseReaderAsync(DbConnection connection, bool healthy) => connection.DisposeAsync();

    /// <summary>
    /// Statements that end every transaction, after all its work and before the commit (PostgreSQL announces the
    /// change there). They are sent in the same batch as the last piece of work's writes, not in a round trip of
    /// their own; a failure among them fails that piece of work, like its own writes.
    /// </summary>
    protected virtual IEnumerable<(string Sql, (string Name, object? Value)[] Parameters)> BeforeCommit(StoreCommit summary) => [];

    /// <summary>True for a failure that says nothing about the work but about its timing (a deadlock): the group runs again.</summary>
    protected virtual bool IsTransient(Exception exception) => false;

    /// <summary>Told before a group runs again after <see cref="IsTransient"/> failures.</summary>
    protected virtual void OnRetry(Exception exception, int @try)
    {
    }

    private async Task CommitGroupAsync(List<PendingWork> group)
    {
        var remaining = new List<PendingWork>(group.Count);
        foreach (var pending in group)
        {
            if (pending.Canceled) pending.Cancel();
            else remaining.Add(pending);
        }

        for (var @try = 1; remaining.Count > 0;)
        {
            var connection = await OpenWriterAsync(CancellationToken.None);
            var healthy = false;
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
                var tx = new SqlJobTransaction(connection, transaction, _dialect, CancellationToken.None);
                var failed = -1;
                Exception? failure = null;
                for (var i = 0; i < remaining.Count; i++)
                {
                    try
                    {
                        await remaining[i].RunAsync(tx);
                        if (i == remaining.Count - 1)
                        {
                            foreach (var (sql, parameters) in BeforeCommit(tx.Summary)) tx.AddStatement(sql, parameters);
                        }

                        await tx.FlushAsync();
                    }
                    catch (Exception ex) when (!IsTransient(ex))
                    {
                        (failed, failure) = (i, ex);
                        break;
                    }
                }

                if (failed >= 0)
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                    healthy = true;
                    remaining[failed].Fail(failure!);
                    remaining.RemoveAt(failed);
                    continue;
                }

                var summary = tx.Summary;
                await transaction.CommitAsync(CancellationToken.None);
                healthy = true;
                try
                {
                    RaiseCommitted(summary);
                }
                finally
                {
                    // Committed: whatever a listener does, every caller gets its own result.
                    foreach (var pending in remaining) pending.Complete();
                }

                return;
            }
            catch (Exception ex) when (IsTransient(ex) && @try < MaxTries)
            {
                OnRetry(ex, @try);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * @try)));
                @try++;
            }
            finally
            {
                await ReleaseWriterAsync(connection, healthy);
            }
        }
    }

    /// <summary>An open connection to the farm's database, for other tables that live beside the store's (access keys).</summary>
    public Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>Tells listeners about a committed change (made here, or by another coordinator).</summary>
    protected void RaiseCommitted(StoreCommit commit) => Committed?.Invoke(commit);

    public Task<JobRecord?> FindJobAsync(string jobId, CancellationToken cancellationToken) =>
        Read(q => q.FindJobAsync(jobId, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<JobRecord>> FindJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        jobIds.Count == 0 ? [] : await Read(q => q.FindJobsAsync(jobIds, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> GetTasksAsync(string jobId, CancellationToken cancellationToken) =>
        Read(q => q.GetTasksAsync(jobId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<AttemptRecord>> GetAttemptsAsync(string jobId, CancellationToken cancellationToken) =>
        Read(q => q.GetAttemptsAsync(jobId, cancellationToken), cancellationToken);

    public Task<(IReadOnlyList<TaskRecord> TimedTasks, IReadOnlyList<JobRecord> RecurringJobs)> GetTimedWorkAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetTimedWorkAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> GetTasksWaitingForInputAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetTasksWaitingForInputAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(IReadOnlyCollection<JobState> states, long? beforeSeq, int limit, CancellationToken cancellationToken) =>
        ListJobsAsync(new JobListFilter(states), beforeSeq, limit, cancellationToken);

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(JobListFilter filter, long? beforeSeq, int limit, CancellationToken cancellationToken) =>
        Read(q => q.ListJobsAsync(filter, beforeSeq, limit, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<string>> GetDependentJobIdsAsync(string jobId, CancellationToken cancellationToken) =>
        (await Read(q => q.GetDependentJobIdsAsync([jobId], cancellationToken), cancellationToken)).Select(d => d.JobId).ToList();

    public Task<IReadOnlyList<TaskRecord>> GetQueuedTasksAsync(int limit, CancellationToken cancellationToken) =>
        Read(q => q.GetQueuedTasksAsync(limit, cancellationToken), cancellationToken);

    public Task<AttemptRecord?> FindAttemptAsync(string attemptId, CancellationToken cancellationToken) =>
        Read(q => q.FindAttemptAsync(attemptId, cancellationToken), cancellationToken);

    public Task<PublishRecord?> FindPublishGrantAsync(string taskId, CancellationToken cancellationToken) =>
        Read(q => q.FindPublishGrantAsync(taskId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<AttemptRecord>> GetRunningAttemptsAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetRunningAttemptsAsync(null, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<RunningRoute>> GetRunningRoutesAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetRunningRoutesAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyList<(AttemptRecord Attempt, TaskLimits Limits)>> GetRunningAttemptLimitsAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetRunningAttemptLimitsAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyDictionary<JobState, int>> CountJobsByStateAsync(CancellationToken cancellationToken) =>
        Read(async q => (await CountStatesAsync(q, cancellationToken)).Jobs, cancellationToken);

    public Task<IReadOnlyDictionary<TaskState, int>> CountTasksByStateAsync(CancellationToken cancellationToken) =>
        Read(async q => (await CountStatesAsync(q, cancellationToken)).Tasks, cancellationToken);

    /// <summary>The counts by state; now and then (at most once a minute, and only when there are many) the counter rows of ended sessions are folded.</summary>
    private async Task<(IReadOnlyDictionary<JobState, int> Jobs, IReadOnlyDictionary<TaskState, int> Tasks)> CountStatesAsync(SqlQueries q, CancellationToken cancellationToken)
    {
        var (jobs, tasks, rows) = await q.CountStatesAsync(cancellationToken);
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastFold);
        if (rows > StateCounts.FoldAbove && now - last > StateCounts.FoldEvery.TotalMilliseconds && Interlocked.CompareExchange(ref _lastFold, now, last) == last)
        {
            await FoldStateCountsAsync(q, cancellationToken);
        }

        return (jobs, tasks);
    }

    /// <summary>Folds the counter rows of database sessions that have ended (PostgreSQL; SQLite keeps one shard).</summary>
    private protected virtual Task FoldStateCountsAsync(SqlQueries reads, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<(string JobId, DateTimeOffset Since)?> FindOldestQueuedAsync(CancellationToken cancellationToken) =>
        Read(q => q.FindOldestQueuedAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyList<(int Succeeded, int Failed, long Frames)>> GetFinishedSinceAsync(IReadOnlyList<DateTimeOffset> since, CancellationToken cancellationToken) =>
        Read(q => q.GetFinishedSinceAsync(since, cancellationToken), cancellationToken);

    public Task<History.ThroughputRows> GetThroughputAsync(History.ThroughputWindow window, CancellationToken cancellationToken) =>
        Read(q => q.GetThroughputAsync(window, cancellationToken), cancellationToken);

    public Task<QueueCounts> GetQueueCountsAsync(CancellationToken cancellationToken) =>
        Read(async q =>
        {
            var (jobs, tasks) = await CountStatesAsync(q, cancellationToken);
            return new QueueCounts(jobs, tasks, await q.FindOldestQueuedAsync(cancellationToken));
        }, cancellationToken);

    public async Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts)> ReadJobAsync(string jobId, CancellationToken cancellationToken) =>
        (await ReadJobsAsync([jobId], cancellationToken)) is [var found] ? (found.Job, found.Tasks, found.Attempts) : (null, [], []);

    public virtual async Task<IReadOnlyList<JobSnapshot>> ReadJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
    {
        if (jobIds.Count == 0) return [];
        var connection = await OpenReaderAsync(cancellationToken);
        var healthy = false;
        try
        {
            await using var transaction = await BeginSnapshotAsync(connection, cancellationToken);
            var reads = new PendingWrites(connection, transaction, cancellationToken);
            var ids = _dialect.IdList(jobIds);
            var (jobs, tasks, attempts) = await reads.QueryAsync(
                ($"SELECT {RowMapper.JobColumns} FROM rf_jobs WHERE {_dialect.InIds("id", "@ids")}", RowMapper.ReadJob, [("@ids", ids)]),
                ($"SELECT {RowMapper.TaskColumns} FROM rf_tasks WHERE {_dialect.InIds("job_id", "@ids")}", RowMapper.ReadTask, [("@ids", ids)]),
                ($"SELECT {RowMapper.AttemptColumns} FROM rf_attempts WHERE {_dialect.InIds("job_id", "@ids")} ORDER BY start_time, id", RowMapper.ReadAttempt, [("@ids", ids)]));
            await transaction.CommitAsync(cancellationToken);
            healthy = true;
            return JobSnapshot.Assemble(jobs, tasks, attempts);
        }
        finally
        {
            await ReleaseReaderAsync(connection, healthy);
        }
    }

    /// <summary>A read-only transaction whose reads all see the same committed state.</summary>
    protected abstract Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    public Task<byte[]> ReadLogAsync(string attemptId, long from, int maxBytes, CancellationToken cancellationToken) =>
        Read(q => q.ReadLogAsync(attemptId, from, maxBytes, cancellationToken), cancellationToken);

    public async Task<IReadOnlyDictionary<string, JobPause>> FindJobPausesAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        jobIds.Count == 0 ? new Dictionary<string, JobPause>() : await Read(q => q.FindJobPausesAsync(jobIds, cancellationToken), cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> GetDrainedAgentsAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetDrainedAgentsAsync(cancellationToken), cancellationToken);

    /// <summary>Nothing to do by default (PostgreSQL's autovacuum reuses and returns dead rows' space by itself).</summary>
    public virtual Task<long> ReclaimFreeSpaceAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task<long> GetMaxSeqAsync(CancellationToken cancellationToken) =>
        Read(q => q.GetMaxSeqAsync(cancellationToken), cancellationToken);

    private async Task<T> Read<T>(Func<SqlQueries, Task<T>> read, CancellationToken cancellationToken)
    {
        var connection = await OpenReaderAsync(cancellationToken);
        var healthy = false;
        try
        {
            var result = await read(new SqlQueries(connection, null, _dialect));
            healthy = true;
            return result;
        }
        finally
        {
            await ReleaseReaderAsync(connection, healthy);
        }
    }
}
