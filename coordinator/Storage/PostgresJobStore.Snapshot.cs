using Npgsql;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Storage;

public sealed partial class PostgresJobStore
{
    /// <summary>
    /// A job, its tasks and their attempts as of one commit, in one round trip: <c>BEGIN ISOLATION LEVEL REPEATABLE
    /// READ READ ONLY</c>, the three reads and <c>COMMIT</c> go out as one batch (watchers read a job after every
    /// change, so the separate <c>COMMIT</c> of a transaction object was a round trip per view). When a read fails,
    /// PostgreSQL skips the rest of the batch, <c>COMMIT</c> included, and the read-only transaction is rolled back
    /// before the connection goes back to the pool.
    /// </summary>
    public override async Task<(JobRecord? Job, IReadOnlyList<TaskRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts)> ReadJobAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
                Read($"SELECT {RowMapper.JobColumns} FROM rf_jobs WHERE id = $1", jobId),
                Read($"SELECT {RowMapper.TaskColumns} FROM rf_tasks WHERE job_id = $1 ORDER BY id", jobId),
                Read($"SELECT {RowMapper.AttemptColumns} FROM rf_attempts WHERE job_id = $1 ORDER BY start_time, id", jobId),
                new NpgsqlBatchCommand("COMMIT"),
            },
        };
        var jobs = new List<JobRecord>();
        var tasks = new List<TaskRecord>();
        var attempts = new List<AttemptRecord>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            // BEGIN returns no rows, so the reader starts on the first read's.
            while (await reader.ReadAsync(cancellationToken)) jobs.Add(RowMapper.ReadJob(reader));
            await NextAsync(reader, cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) tasks.Add(RowMapper.ReadTask(reader));
            await NextAsync(reader, cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) attempts.Add(RowMapper.ReadAttempt(reader));
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }
        catch (Exception) when (connection.State == System.Data.ConnectionState.Open)
        {
            await EndTransactionAsync(connection);
            throw;
        }

        return (jobs.FirstOrDefault(), tasks, attempts);
    }

    /// <summary>A failed or cancelled batch may have left its transaction open: it is rolled back before the connection goes back to the pool.</summary>
    private static async Task EndTransactionAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection is broken: the pool drops it.
        }
    }

    private static NpgsqlBatchCommand Read(string sql, string jobId) => new(sql) { Parameters = { new NpgsqlParameter { Value = jobId } } };

    private static async Task NextAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.NextResultAsync(cancellationToken)) throw new InvalidOperationException("A batched read returned no result set.");
    }
}
