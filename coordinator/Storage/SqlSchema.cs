namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The farm's tables in portable SQL (SQLite and PostgreSQL both accept it), as numbered migrations. Times
/// are Unix milliseconds; protobuf messages are stored as their canonical JSON so the database stays
/// readable. Quartz's own tables live beside these and are provisioned by Quartz. A statement that starts with
/// <c>-- sqlite</c> or <c>-- postgres</c> runs only on that database (triggers are not portable).
/// </summary>
public static class SqlSchema
{
    public const string CreateVersionTable = "CREATE TABLE IF NOT EXISTS rf_schema (version INTEGER NOT NULL)";

    /// <summary>Migration <c>n</c> (1-based) takes the schema from version <c>n - 1</c> to <c>n</c>.</summary>
    public static readonly string[][] Migrations =
    [
        [
            """
            CREATE TABLE rf_jobs (
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
            "CREATE INDEX rf_jobs_by_state ON rf_jobs (state, seq)",
            """
            CREATE TABLE rf_tasks (
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
            "CREATE INDEX rf_tasks_by_queue ON rf_tasks (state, priority, seq)",
            "CREATE INDEX rf_tasks_by_job ON rf_tasks (job_id)",
            """
            CREATE TABLE rf_attempts (
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
            "CREATE INDEX rf_attempts_by_job ON rf_attempts (job_id)",
            "CREATE INDEX rf_attempts_by_outcome ON rf_attempts (outcome)",
        ],
        [
            "ALTER TABLE rf_jobs ADD COLUMN recurrence TEXT NULL",
            "ALTER TABLE rf_jobs ADD COLUMN recurring_job_id TEXT NULL",
            "ALTER TABLE rf_tasks ADD COLUMN waiting_for INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE rf_tasks ADD COLUMN max_run_ms BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE rf_tasks ADD COLUMN stall_ms BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE rf_tasks ADD COLUMN blocked_agents TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE rf_attempts ADD COLUMN frames BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE rf_attempts ADD COLUMN log_size BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX rf_attempts_by_end ON rf_attempts (end_time)",
            """
            CREATE TABLE rf_job_deps (
                job_id TEXT NOT NULL REFERENCES rf_jobs (id),
                depends_on TEXT NOT NULL REFERENCES rf_jobs (id),
                PRIMARY KEY (job_id, depends_on))
            """,
            "CREATE INDEX rf_job_deps_by_dependency ON rf_job_deps (depends_on)",
            """
            CREATE TABLE rf_attempt_logs (
                attempt_id TEXT NOT NULL REFERENCES rf_attempts (id),
                log_offset BIGINT NOT NULL,
                length BIGINT NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (attempt_id, log_offset))
            """,
            """
            CREATE TABLE rf_agents (
                id TEXT PRIMARY KEY,
                draining INTEGER NOT NULL,
                drain_reason TEXT NULL,
                update_time BIGINT NOT NULL)
            """,
        ],
        [
            // Version 3: no change (split-and-stitch keeps its task kinds in the stored assignment).
        ],
        [
            """
            CREATE TABLE rf_api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                role INTEGER NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                create_time BIGINT NOT NULL,
                revoke_time BIGINT NULL)
            """,
            """
            CREATE TABLE rf_agent_credentials (
                agent_name TEXT NOT NULL,
                credential_hash TEXT NOT NULL UNIQUE,
                create_time BIGINT NOT NULL,
                revoke_time BIGINT NULL)
            """,
            "CREATE INDEX rf_agent_credentials_by_name ON rf_agent_credentials (agent_name)",
        ],
        StateCounts.Migration,
        Cluster.AgentPresenceSchema.Migration,
        [
            // The dispatcher reads QUEUED tasks priority high to low, then seq low to high: an index in that order
            // answers it without sorting the queue (the old one ran seq the other way, so it could not), and every
            // change of a task's state updates one index fewer.
            "DROP INDEX rf_tasks_by_queue",
            "CREATE INDEX rf_tasks_by_dispatch_order ON rf_tasks (state, priority DESC, seq)",
        ],
        [
            // Tasks are looked up by dispatch order and by age only while QUEUED, and by time only while WAITING: partial
            // indexes hold just those rows. A task that moves between the other states (ASSIGNED, RUNNING, SUCCEEDED: two
            // moves of every task) changes none of them, and they stay the size of the queue, not of the farm's history.
            // The queries name the state as a constant (SqlQueries), which is what lets the planners use them.
            "DROP INDEX rf_tasks_by_dispatch_order",
            "DROP INDEX IF EXISTS rf_tasks_by_state_seq",
            $"CREATE INDEX rf_tasks_queued ON rf_tasks (priority DESC, seq) WHERE state = {Queued}",
            $"CREATE INDEX rf_tasks_queued_by_age ON rf_tasks (seq) WHERE state = {Queued}",
            $"CREATE INDEX rf_tasks_timed ON rf_tasks (not_before) WHERE state = {Waiting} AND not_before IS NOT NULL",
        ],
        [
            // Publishing is a recorded step of an attempt: the grant names the output and the bytes it publishes, so a file
            // found whole at the path later is known as the task's own. One row per task (the latest grant); rows of tasks
            // that have ended are swept (AttemptLifecycle.SweepPublishGrantsAsync), so the table stays the size of the work
            // in flight.
            """
            CREATE TABLE rf_publish_grants (
                task_id TEXT PRIMARY KEY REFERENCES rf_tasks (id),
                attempt_id TEXT NOT NULL REFERENCES rf_attempts (id),
                job_id TEXT NOT NULL REFERENCES rf_jobs (id),
                output_root TEXT NOT NULL,
                output_path TEXT NOT NULL,
                size_bytes BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                output TEXT NOT NULL,
                grant_time BIGINT NOT NULL)
            """,
        ],
        [
            // Operator schedules: the hours an operator set for an agent, which it follows instead of its own
            // configuration (AgentSchedules). One row per agent with a schedule; clearing it deletes the row.
            """
            CREATE TABLE rf_agent_schedules (
                agent_id TEXT PRIMARY KEY,
                hours TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                update_time BIGINT NOT NULL)
            """,
        ],
        Recipes.RecipeSchema.Migration,
        [
            // Task timeline: the steps an agent reports with a completion (a TaskTimeline as JSON), shown by GetJob.
            "ALTER TABLE rf_attempts ADD COLUMN timeline TEXT",
        ],
        [
            // Webhook deliveries: one row per (event, target URL), so enqueueing twice sends once; each attempt
            // and its answer beside it. The body and its signature are stored as sent, so a retry sends the same bytes.
            """
            CREATE TABLE rf_webhook_deliveries (
                id TEXT PRIMARY KEY,
                event_key TEXT NOT NULL,
                job_id TEXT NOT NULL,
                event TEXT NOT NULL,
                url TEXT NOT NULL,
                format TEXT NOT NULL,
                source TEXT NOT NULL,
                body TEXT NOT NULL,
                signature TEXT NOT NULL,
                state INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_time BIGINT NOT NULL,
                create_time BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX rf_webhook_deliveries_by_event ON rf_webhook_deliveries (event_key, url)",
            "CREATE INDEX rf_webhook_deliveries_by_job ON rf_webhook_deliveries (job_id)",
            "CREATE INDEX rf_webhook_deliveries_pending ON rf_webhook_deliveries (next_attempt_time) WHERE state = 1",
            """
            CREATE TABLE rf_webhook_attempts (
                delivery_id TEXT NOT NULL REFERENCES rf_webhook_deliveries (id),
                attempt INTEGER NOT NULL,
                attempt_time BIGINT NOT NULL,
                status INTEGER NOT NULL,
                answer TEXT NOT NULL,
                error TEXT NOT NULL,
                duration_ms BIGINT NOT NULL,
                PRIMARY KEY (delivery_id, attempt))
            """,
        ],
        [
            // Job control: a paused job has a row here, and the dispatcher passes over its QUEUED tasks (SqlQueries) until
            // it is resumed; attempts already running go on. Housekeeping removes the row with its job.
            """
            CREATE TABLE rf_job_pauses (
                job_id TEXT PRIMARY KEY REFERENCES rf_jobs (id),
                paused_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                pause_time BIGINT NOT NULL)
            """,
        ],
        [
            // Webhooks of batches and watch folders: the URLs a batch ("batch:ID") or a watch folder ("watchfolder:ID")
            // notifies (Notifications/WebhookSubscriptions); a watch folder's jobs are found by their rf_watch_files row.
            "CREATE TABLE rf_webhook_subscriptions (subject TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (subject, url))",
            "CREATE INDEX rf_watch_files_by_job ON rf_watch_files (job_id)",
        ],
        [
            // Thumbnails: a poster frame (JPEG) of a succeeded job's output, made by the coordinator after the job ended
            // (coordinator/Thumbnails). Housekeeping removes the row with its job.
            """
            -- sqlite
            CREATE TABLE rf_job_thumbnails (
                job_id TEXT PRIMARY KEY REFERENCES rf_jobs (id),
                jpeg BLOB NOT NULL,
                width INTEGER NOT NULL,
                height INTEGER NOT NULL,
                create_time BIGINT NOT NULL)
            """,
            """
            -- postgres
            CREATE TABLE rf_job_thumbnails (
                job_id TEXT PRIMARY KEY REFERENCES rf_jobs (id),
                jpeg BYTEA NOT NULL,
                width INTEGER NOT NULL,
                height INTEGER NOT NULL,
                create_time BIGINT NOT NULL)
            """,
        ],
        [
            // Thumbnail kinds: beside the poster (kind 1), a contact sheet of longer clips (2) and, for a graded job, a
            // poster of its source at the same time (3), as renderfarm.v1.ThumbnailKind numbers them.
            """
            -- sqlite
            CREATE TABLE rf_job_thumbnails_by_kind (
                job_id TEXT NOT NULL REFERENCES rf_jobs (id),
                kind INTEGER NOT NULL,
                jpeg BLOB NOT NULL,
                width INTEGER NOT NULL,
                height INTEGER NOT NULL,
                create_time BIGINT NOT NULL,
                PRIMARY KEY (job_id, kind))
            """,
            """
            -- postgres
            CREATE TABLE rf_job_thumbnails_by_kind (
                job_id TEXT NOT NULL REFERENCES rf_jobs (id),
                kind INTEGER NOT NULL,
                jpeg BYTEA NOT NULL,
                width INTEGER NOT NULL,
                height INTEGER NOT NULL,
                create_time BIGINT NOT NULL,
                PRIMARY KEY (job_id, kind))
            """,
            "INSERT INTO rf_job_thumbnails_by_kind (job_id, kind, jpeg, width, height, create_time) SELECT job_id, 1, jpeg, width, height, create_time FROM rf_job_thumbnails",
            "DROP TABLE rf_job_thumbnails",
            "ALTER TABLE rf_job_thumbnails_by_kind RENAME TO rf_job_thumbnails",
        ],
        [
            // Jobs view filters (ListJobs owner, name_contains): the spec's owner and its name in lower case beside it, written
            // with the job (SqlJobTransaction.InsertJobAsync) and filled here for the jobs already stored; the owner is
            // indexed with seq, so one owner's page is read newest first without a scan. Neither changes after the insert.
            "ALTER TABLE rf_jobs ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE rf_jobs ADD COLUMN name_key TEXT NOT NULL DEFAULT ''",
            """
            -- sqlite
            UPDATE rf_jobs SET owner = COALESCE(json_extract(spec, '$.owner'), ''), name_key = lower(COALESCE(json_extract(spec, '$.name'), ''))
            """,
            """
            -- postgres
            UPDATE rf_jobs SET owner = COALESCE(spec::json ->> 'owner', ''), name_key = lower(COALESCE(spec::json ->> 'name', ''))
            """,
            "CREATE INDEX rf_jobs_by_owner ON rf_jobs (owner, seq)",
            // SQLite finds a name by scanning (a substring has no index), newest first: this narrow index is that scan, so it
            // reads about 40 bytes a job instead of the job's row and spec (SqlQueries.ListJobsAsync). PostgreSQL scans the rows.
            """
            -- sqlite
            CREATE INDEX rf_jobs_by_name ON rf_jobs (seq, name_key)
            """,
        ],
        [
            // Throughput (GetThroughput): the seconds of video a succeeded attempt rendered, beside its frames; and jobs by
            // the time they ended, so counting the jobs that ended in the last hour reads that hour's rows, not the farm's history.
            "ALTER TABLE rf_attempts ADD COLUMN media_ms BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX rf_jobs_by_end ON rf_jobs (end_time)",
        ],
        [
            // Probe reuse: the latest probe facts of each input, stamped with the identity of the file probed
            // (coordinator/Probing/ProbedSources), keyed "media:ROOT/PATH" or "sha256:HEX" (transfer mode).
            """
            CREATE TABLE rf_probed_sources (
                input_key TEXT PRIMARY KEY,
                facts TEXT NOT NULL,
                update_time BIGINT NOT NULL)
            """,
        ],
        [
            // Probe facts pruned: when an input's facts were last recorded or handed to a task (ProbedSources writes it at
            // most once an hour per input); housekeeping removes the rows not used for longer than Retention:ProbedSources.
            "ALTER TABLE rf_probed_sources ADD COLUMN use_time BIGINT NOT NULL DEFAULT 0",
            "UPDATE rf_probed_sources SET use_time = update_time",
            "CREATE INDEX rf_probed_sources_by_use ON rf_probed_sources (use_time)",
        ],
    ];

    /// <summary>The task states the partial indexes hold, as the number stored.</summary>
    public const int Queued = (int)Protos.V1.TaskState.Queued;

    public const int Waiting = (int)Protos.V1.TaskState.Waiting;

    public static int Version => Migrations.Length;

    /// <summary>
    /// Indexes for reads at scale, created if missing at every start (idempotent, so they need no version):
    /// ListJobs without a state filter pages by <c>seq</c> alone.
    /// </summary>
    public static readonly string[] Indexes =
    [
        "CREATE INDEX IF NOT EXISTS rf_jobs_by_seq ON rf_jobs (seq)",
    ];
}
