namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// How many jobs and tasks are in each state, kept by the database itself: triggers on <c>rf_jobs</c> and
/// <c>rf_tasks</c> add one to the new state and take one from the old in the same transaction as the change,
/// so a read is exact at every commit and costs a few rows whatever the size of the queue (a <c>GROUP BY</c>
/// over every job and task grew with the queue).
/// <para>
/// On PostgreSQL several transactions commit at once; were they all to add to one row per state, each would
/// wait for the one before it to commit. So each database session adds to its own rows (keyed by its
/// <c>pg_backend_pid()</c>, which no two open sessions share): concurrent transactions never touch the same
/// counter row, and a read sums a state's rows. The rows of sessions that have ended are folded into shard 0
/// when a read finds many rows, at most once a minute (<see cref="FoldSql"/>). SQLite has one writer, so it keeps a single shard 0.
/// </para>
/// </summary>
internal static class StateCounts
{
    public const int JobKind = 0;
    public const int TaskKind = 1;

    /// <summary>Above this many counter rows a read folds the rows of ended PostgreSQL sessions (at most once per <see cref="FoldEvery"/>).</summary>
    public const int FoldAbove = 2048;

    public static readonly TimeSpan FoldEvery = TimeSpan.FromMinutes(1);

    /// <summary>Schema migration: the counter table, filled from the rows already there, and its triggers.</summary>
    public static readonly string[] Migration =
    [
        """
        CREATE TABLE rf_state_counts (
            shard INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            state INTEGER NOT NULL,
            n BIGINT NOT NULL,
            PRIMARY KEY (shard, kind, state))
        """,
        $"INSERT INTO rf_state_counts (shard, kind, state, n) SELECT 0, {JobKind}, state, COUNT(*) FROM rf_jobs GROUP BY state",
        $"INSERT INTO rf_state_counts (shard, kind, state, n) SELECT 0, {TaskKind}, state, COUNT(*) FROM rf_tasks GROUP BY state",
        .. SqliteTriggers("rf_jobs", JobKind),
        .. SqliteTriggers("rf_tasks", TaskKind),
        """
        -- postgres
        CREATE FUNCTION rf_count_states() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                INSERT INTO rf_state_counts AS c (shard, kind, state, n) VALUES (pg_backend_pid(), TG_ARGV[0]::integer, OLD.state, -1)
                ON CONFLICT (shard, kind, state) DO UPDATE SET n = c.n - 1;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO rf_state_counts AS c (shard, kind, state, n) VALUES (pg_backend_pid(), TG_ARGV[0]::integer, NEW.state, 1)
                ON CONFLICT (shard, kind, state) DO UPDATE SET n = c.n + 1;
            END IF;
            RETURN NULL;
        END
        $$
        """,
        .. PostgresTriggers("rf_jobs", JobKind),
        .. PostgresTriggers("rf_tasks", TaskKind),
    ];

    /// <summary>Every state's count of one kind; states with none are left out, as a <c>GROUP BY</c> would.</summary>
    public const string ReadSql = "SELECT kind, state, SUM(n), COUNT(*) FROM rf_state_counts GROUP BY kind, state";

    /// <summary>
    /// PostgreSQL: moves the counts of sessions that no longer exist into shard 0, so the table stays a few rows
    /// per open session. One coordinator folds at a time (an advisory lock); a session that is still open keeps its rows.
    /// </summary>
    public const string FoldSql =
        """
        WITH folding AS (SELECT pg_try_advisory_xact_lock(7400000002) AS mine),
        gone AS (
            DELETE FROM rf_state_counts
            WHERE shard <> 0 AND (SELECT mine FROM folding) AND shard NOT IN (SELECT pid FROM pg_stat_activity)
            RETURNING kind, state, n)
        INSERT INTO rf_state_counts AS c (shard, kind, state, n)
        SELECT 0, kind, state, SUM(n) FROM gone GROUP BY kind, state
        ON CONFLICT (shard, kind, state) DO UPDATE SET n = c.n + EXCLUDED.n
        """;

    private static string[] SqliteTriggers(string table, int kind) =>
    [
        $"""
        -- sqlite
        CREATE TRIGGER {table}_count_insert AFTER INSERT ON {table} BEGIN
            INSERT INTO rf_state_counts (shard, kind, state, n) VALUES (0, {kind}, NEW.state, 1)
            ON CONFLICT (shard, kind, state) DO UPDATE SET n = n + 1;
        END
        """,
        $"""
        -- sqlite
        CREATE TRIGGER {table}_count_update AFTER UPDATE OF state ON {table} WHEN OLD.state <> NEW.state BEGIN
            INSERT INTO rf_state_counts (shard, kind, state, n) VALUES (0, {kind}, OLD.state, -1)
            ON CONFLICT (shard, kind, state) DO UPDATE SET n = n - 1;
            INSERT INTO rf_state_counts (shard, kind, state, n) VALUES (0, {kind}, NEW.state, 1)
            ON CONFLICT (shard, kind, state) DO UPDATE SET n = n + 1;
        END
        """,
        $"""
        -- sqlite
        CREATE TRIGGER {table}_count_delete AFTER DELETE ON {table} BEGIN
            INSERT INTO rf_state_counts (shard, kind, state, n) VALUES (0, {kind}, OLD.state, -1)
            ON CONFLICT (shard, kind, state) DO UPDATE SET n = n - 1;
        END
        """,
    ];

    private static string[] PostgresTriggers(string table, int kind) =>
    [
        $"""
        -- postgres
        CREATE TRIGGER {table}_count_insert_delete AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION rf_count_states('{kind}')
        """,
        $"""
        -- postgres
        CREATE TRIGGER {table}_count_update AFTER UPDATE OF state ON {table}
            FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION rf_count_states('{kind}')
        """,
    ];
}
