namespace RenderFarm.Coordinator.Recipes;

/// <summary>
/// The tables of recipes and batches (one migration). A recipe is a name (<c>rf_recipes</c>: its latest version, whether
/// operators protected it, whether it was deleted) and its versions (<c>rf_recipe_versions</c>, never changed once written,
/// so a job's recorded version stays readable). A batch (<c>rf_batches</c>) lists its jobs in <c>rf_batch_jobs</c>; its
/// counts are read from the jobs' own states, so they are exact at every commit. A watch folder (<c>rf_watch_folders</c>)
/// remembers every file it has seen (<c>rf_watch_files</c>: by path below the folder, with size, modification time and
/// file identity, and the job it became), so a file is taken once across restarts, rescans and renames.
/// </summary>
public static class RecipeSchema
{
    public static readonly string[] Migration =
    [
        """
        CREATE TABLE rf_recipes (
            name TEXT PRIMARY KEY,
            latest_version INTEGER NOT NULL,
            protected INTEGER NOT NULL,
            delete_time BIGINT NULL,
            update_time BIGINT NOT NULL)
        """,
        """
        CREATE TABLE rf_recipe_versions (
            name TEXT NOT NULL REFERENCES rf_recipes (name),
            version INTEGER NOT NULL,
            recipe TEXT NOT NULL,
            create_time BIGINT NOT NULL,
            author TEXT NOT NULL,
            PRIMARY KEY (name, version))
        """,
        """
        CREATE TABLE rf_batches (
            id TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            name TEXT NOT NULL,
            recipe_name TEXT NOT NULL,
            recipe_version INTEGER NOT NULL,
            owner TEXT NOT NULL,
            create_time BIGINT NOT NULL,
            total INTEGER NOT NULL)
        """,
        "CREATE INDEX rf_batches_by_seq ON rf_batches (seq)",
        """
        CREATE TABLE rf_batch_jobs (
            batch_id TEXT NOT NULL REFERENCES rf_batches (id),
            job_id TEXT NOT NULL,
            PRIMARY KEY (batch_id, job_id))
        """,
        """
        CREATE TABLE rf_watch_folders (
            id TEXT PRIMARY KEY,
            root TEXT NOT NULL,
            path TEXT NOT NULL,
            recipe_name TEXT NOT NULL,
            settle_ms BIGINT NOT NULL,
            retake_changed INTEGER NOT NULL,
            paused INTEGER NOT NULL,
            owner TEXT NOT NULL,
            create_time BIGINT NOT NULL,
            scan_time BIGINT NULL,
            error TEXT NULL,
            UNIQUE (root, path))
        """,
        """
        CREATE TABLE rf_watch_files (
            folder_id TEXT NOT NULL REFERENCES rf_watch_folders (id),
            rel_path TEXT NOT NULL,
            size_bytes BIGINT NOT NULL,
            mtime BIGINT NOT NULL,
            identity TEXT NOT NULL,
            state INTEGER NOT NULL,
            stable_since BIGINT NOT NULL,
            job_id TEXT NULL,
            error TEXT NULL,
            update_time BIGINT NOT NULL,
            PRIMARY KEY (folder_id, rel_path))
        """,
    ];
}
