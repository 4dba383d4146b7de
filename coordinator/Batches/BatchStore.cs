using System.Data.Common;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Batches;

/// <summary>
/// Batches in the farm's database (tables of <see cref="Recipes.RecipeSchema"/>). A batch and its job list are written in
/// the transaction that inserts its jobs; its counts are read from the jobs' states.
/// </summary>
public sealed class BatchStore(SqlJobStore store)
{
    private const string Columns = "id, seq, name, recipe_name, recipe_version, owner, create_time, total";

    /// <summary>Holds the batch's row and its job list in <paramref name="tx"/> (the transaction that inserts the jobs).</summary>
    public static async Task InsertAsync(IJobTransaction tx, BatchRecord batch, IReadOnlyList<string> jobIds)
    {
        await tx.ExecuteAsync(
            $"INSERT INTO rf_batches ({Columns}) VALUES (@id, @seq, @name, @recipe, @version, @owner, @time, @total)",
            ("@id", batch.Id), ("@seq", batch.Seq), ("@name", batch.Name), ("@recipe", batch.RecipeName), ("@version", (long)batch.RecipeVersion),
            ("@owner", batch.Owner), ("@time", batch.CreateTime.ToUnixTimeMilliseconds()), ("@total", batch.Total));
        foreach (var jobId in jobIds)
        {
            await tx.ExecuteAsync("INSERT INTO rf_batch_jobs (batch_id, job_id) VALUES (@b, @j)", ("@b", batch.Id), ("@j", jobId));
        }
    }

    public async Task<BatchRecord?> FindAsync(string batchId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM rf_batches WHERE id = @id", Read, cancellationToken, ("@id", batchId));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The newest <paramref name="limit"/> batches, newest first.</summary>
    public async Task<IReadOnlyList<BatchRecord>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM rf_batches ORDER BY seq DESC LIMIT @limit", Read, cancellationToken, ("@limit", limit));
    }

    /// <summary>How many of the batch's jobs are in each state, in one read.</summary>
    /// <summary>The batch's jobs counted by state, read from the jobs themselves.</summary>
    public async Task<BatchCounts> CountsAsync(BatchRecord record, CancellationToken cancellationToken)
    {
        var byState = await CountAsync(record.Id, cancellationToken);
        uint Count(JobState state) => (uint)byState.GetValueOrDefault(state);
        return new BatchCounts
        {
            Total = (uint)record.Total,
            Waiting = Count(JobState.Waiting),
            Queued = Count(JobState.Queued),
            Running = Count(JobState.Running),
            Succeeded = Count(JobState.Succeeded),
            Failed = Count(JobState.Failed),
            Canceled = Count(JobState.Canceled),
        };
    }

    private async Task<IReadOnlyDictionary<JobState, int>> CountAsync(string batchId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null,
            "SELECT j.state, COUNT(*) FROM rf_batch_jobs b JOIN rf_jobs j ON j.id = b.job_id WHERE b.batch_id = @b GROUP BY j.state",
            r => ((JobState)r.GetInt32(0), (int)r.GetInt64(1)), cancellationToken, ("@b", batchId));
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    /// <summary>The ids of the batch's jobs, only those in <paramref name="states"/> when any are given, up to <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<string>> JobIdsAsync(string batchId, IReadOnlyCollection<JobState> states, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var filter = states.Count == 0 ? "" : $" AND j.state IN ({string.Join(", ", states.Select(s => (int)s))})";
        return await connection.QueryAsync(null,
            $"SELECT j.id FROM rf_batch_jobs b JOIN rf_jobs j ON j.id = b.job_id WHERE b.batch_id = @b{filter} ORDER BY j.seq LIMIT @limit",
            r => r.GetString(0), cancellationToken, ("@b", batchId), ("@limit", limit));
    }

    private static BatchRecord Read(DbDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), (uint)r.GetInt64(4), r.GetString(5),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), (int)r.GetInt64(7));
}
