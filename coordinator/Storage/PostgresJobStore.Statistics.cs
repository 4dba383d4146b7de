namespace RenderFarm.Coordinator.Storage;

public sealed partial class PostgresJobStore
{
    /// <summary>
    /// The tables whose every read is planned from their statistics (the queue, its jobs and its attempts), with the columns
    /// the farm's reads select rows by. Only those are analysed: the wide JSON columns (a job's spec, a task's work) are
    /// never in a condition, and sampling them adds to an <c>ANALYZE</c>'s cost.
    /// </summary>
    private static readonly Dictionary<string, string> BusyTables = new(StringComparer.Ordinal)
    {
        ["rf_jobs"] = "id, state, seq",
        ["rf_tasks"] = "id, job_id, state, priority, seq",
        ["rf_attempts"] = "id, task_id, job_id, outcome, end_time",
    };

    /// <summary>A table is analysed once this many rows plus <see cref="AnalyzeScale"/> of its size have changed since its last <c>ANALYZE</c>.</summary>
    public const int AnalyzeBase = 1000;

    public const double AnalyzeScale = 0.2;

    /// <summary>
    /// Runs <c>ANALYZE</c> on the farm's busy tables that changed much since they were last analysed, and returns them.
    /// <para>
    /// A queue swings from empty to a hundred thousand tasks in a minute. Autovacuum analyses a table at most once a
    /// minute (its <c>naptime</c>), and until then PostgreSQL plans from statistics of a table that was nearly empty, or
    /// from none: reading 200 jobs' tasks by <c>job_id</c> became a sequential scan of the whole queue (80–107 ms a
    /// read), and the claim and the dispatcher's read took the wrong index (39 and 161 ms). Checked every few
    /// seconds, with a rule like autovacuum's, the statistics follow the queue. Plans kept by prepared statements are made again after it.
    /// </para>
    /// </summary>
    public async Task<IReadOnlyList<string>> AnalyzeChangedTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var changed = await connection.QueryAsync(null,
            """
            SELECT c.relname FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE c.oid IN (SELECT to_regclass(t) FROM unnest(@tables) AS t)
              AND s.n_mod_since_analyze > @base + @scale * GREATEST(c.reltuples, 0)
            ORDER BY c.relname
            """,
            r => r.GetString(0), cancellationToken, ("@tables", BusyTables.Keys.ToArray()), ("@base", (long)AnalyzeBase), ("@scale", AnalyzeScale));
        if (changed.Count == 0) return changed;
        // The names come from BusyTables (the query only filters them), never from input. A sample of 3,000 rows a table
        // (statistics target 10, for this transaction only) is enough to see how rare each state is and that ids are
        // distinct; the default 30,000 took 500 ms for the three tables during a drain, this about 190 ms.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(transaction, "SET LOCAL default_statistics_target = 10", cancellationToken);
        await connection.ExecuteAsync(transaction, "ANALYZE " + string.Join(", ", changed.Select(t => $"{t} ({BusyTables[t]})")), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }
}
