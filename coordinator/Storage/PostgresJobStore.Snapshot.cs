using Npgsql;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Storage;

public sealed partial class PostgresJobStore
{
    /// <summary>
    /// Jobs, their tasks and their attempts as of one commit, in one round trip: <c>BEGIN ISOLATION LEVEL REPEATABLE
    /// READ READ ONLY</c>, the three reads and <c>COMMIT</c> go out as one batch (watchers read a job after every
    /// change, so the separate <c>COMMIT</c> of a transaction object was a round trip per view). When a read fails,
    /// PostgreSQL skips the rest of the batch, <c>COMMIT</c> included, and the read-only transaction is rolled back
    /// before the connection goes back to the pool.
    /// <para>
    /// A list of jobs is read with reads planned for that list (<c>plan_cache_mode</c>, for this transaction only): a
    /// plan kept for any list was made when the tables were small, a sequential scan that stayed after they grew (until
    /// the next <c>ANALYZE</c>). One job, the common case (every SubmitJob answer), is read by id with kept plans: about
    /// 0.13 ms of server time against 0.6 ms when planned each time. Tasks are put in order here, not by the list's query: ordering by id made
    /// PostgreSQL walk the whole primary key to find a few jobs' tasks.
    /// </para>
    /// </summary>
    public override async Task<IReadOnlyList<JobSnapshot>> ReadJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken) => jobIds.Count switch
    {
        0 => [],
        1 => await SnapshotAsync(jobIds[0], "= $1", planEach: false, cancellationToken),
        _ => await SnapshotAsync(jobIds.ToArray(), "= ANY($1)", planEach: true, cancellationToken),
    };

    private async Task<IReadOnlyList<JobSnapshot>> SnapshotAsync(object ids, string match, bool planEach, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
        if (planEach) batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL plan_cache_mode = force_custom_plan"));
        batch.BatchCommands.Add(Read($"SELECT {RowMapper.JobColumns} FROM rf_jobs WHERE id {match}", ids));
        batch.BatchCommands.Add(Read($"SELECT {RowMapper.TaskColumns} FROM rf_tasks WHERE job_id {match}", ids));
        batch.BatchCommands.Add(Read($"SELECT {RowMapper.AttemptColumns} FROM rf_attempts WHERE job_id {match} ORDER BY start_time, id", ids));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        var jobs = new List<JobRecord>();
        var tasks = new List<TaskRecord>();
        var attempts = new List<AttemptRecord>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            // BEGIN and SET return no rows, so the reader starts on the first read's.
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

        return JobSnapshot.Assemble(jobs, tasks, attempts);
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

    private static NpgsqlBatchCommand Read(string sql, object jobIds) => new(sql) { Parameters = { new NpgsqlParameter { Value = jobIds } } };

    private static async Task NextAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.NextResultAsync(cancellationToken)) throw new InvalidOperationException("A batched read returned no result set.");
    }
}
