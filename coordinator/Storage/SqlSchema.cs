namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The farm's tables in portable SQL (SQLite and PostgreSQL both accept it). Times are Unix milliseconds;
/// protobuf messages are stored as their canonical JSON so the database stays readable.
/// Quartz's own tables live beside these and are provisioned by Quartz.
/// </summary>
public static class SqlSchema
{
    public const int Version = 1;

    public static readonly string[] Statements =
    [
        "CREATE TABLE IF NOT EXISTS rf_schema (version INTEGER NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS rf_jobs (
            id TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            spec TEXT NOT NULL,
            state INTEGER NOT NULL,
            create_time BIGINT NOT NULL,
            start_time BIGINT NULL,
            end_time BIGINT NULL,
            error TEXT NULL,
            result TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS rf_jobs_by_state ON rf_jobs (state, seq)",
        """
        CREATE TABLE IF NOT EXISTS rf_tasks (
            id TEXT PRIMARY KEY,
            job_id TEXT NOT NULL REFERENCES rf_jobs (id),
            state INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            seq BIGINT NOT NULL,
            work TEXT NOT NULL,
            requirements TEXT NOT NULL,
            failed_attempts INTEGER NOT NULL,
            lost_attempts INTEGER NOT NULL,
            max_retries INTEGER NOT NULL,
            not_before BIGINT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS rf_tasks_by_queue ON rf_tasks (state, priority, seq)",
        "CREATE INDEX IF NOT EXISTS rf_tasks_by_job ON rf_tasks (job_id)",
        """
        CREATE TABLE IF NOT EXISTS rf_attempts (
            id TEXT PRIMARY KEY,
            task_id TEXT NOT NULL REFERENCES rf_tasks (id),
            job_id TEXT NOT NULL REFERENCES rf_jobs (id),
            agent_id TEXT NOT NULL,
            outcome INTEGER NOT NULL,
            start_time BIGINT NOT NULL,
            lease_expiry BIGINT NOT NULL,
            end_time BIGINT NULL,
            failure_class INTEGER NOT NULL,
            error TEXT NULL,
            exit_code INTEGER NOT NULL,
            log_tail TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS rf_attempts_by_job ON rf_attempts (job_id)",
        "CREATE INDEX IF NOT EXISTS rf_attempts_by_outcome ON rf_attempts (outcome)",
    ];
}
