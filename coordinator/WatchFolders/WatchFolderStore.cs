using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// Watch folders and the files they have seen, in the farm's database (tables of <see cref="Recipes.RecipeSchema"/>). A
/// file is marked taken in the transaction that inserts its job, only if it is still the settling file the scan saw
/// (<see cref="MarkSubmittedAsync"/>), so no file becomes two jobs, whoever scans.
/// </summary>
public sealed class WatchFolderStore(SqlJobStore store)
{
    private const string FolderColumns = "id, root, path, recipe_name, settle_ms, retake_changed, paused, owner, create_time, scan_time, error";
    private const string FileColumns = "rel_path, size_bytes, mtime, identity, state, stable_since, job_id, error";

    /// <summary>Stores a new folder; false when the same folder is watched already.</summary>
    public async Task<bool> InsertAsync(WatchFolderRecord folder, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = await connection.QueryAsync(transaction, "SELECT id FROM rf_watch_folders WHERE root = @r AND path = @p", r => r.GetString(0), cancellationToken,
            ("@r", folder.Root), ("@p", folder.Path));
        if (existing.Count > 0) return false;
        await connection.ExecuteAsync(transaction,
            $"INSERT INTO rf_watch_folders ({FolderColumns}) VALUES (@id, @r, @p, @recipe, @settle, @retake, 0, @owner, @t, NULL, NULL)", cancellationToken,
            ("@id", folder.Id), ("@r", folder.Root), ("@p", folder.Path), ("@recipe", folder.RecipeName), ("@settle", (long)folder.Settle.TotalMilliseconds),
            ("@retake", folder.RetakeChanged ? 1 : 0), ("@owner", folder.Owner), ("@t", folder.CreateTime.ToUnixTimeMilliseconds()));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<WatchFolderRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null, $"SELECT {FolderColumns} FROM rf_watch_folders ORDER BY create_time, id", ReadFolder, cancellationToken);
    }

    public async Task<WatchFolderRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, $"SELECT {FolderColumns} FROM rf_watch_folders WHERE id = @id", ReadFolder, cancellationToken, ("@id", id));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(null, "UPDATE rf_watch_folders SET paused = @p WHERE id = @id", cancellationToken, ("@p", paused ? 1 : 0), ("@id", id)) == 1;
    }

    /// <summary>Forgets a folder and the files it took; false when there is no such folder.</summary>
    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(transaction, "DELETE FROM rf_watch_files WHERE folder_id = @id", cancellationToken, ("@id", id));
        var removed = await connection.ExecuteAsync(transaction, "DELETE FROM rf_watch_folders WHERE id = @id", cancellationToken, ("@id", id));
        await transaction.CommitAsync(cancellationToken);
        return removed == 1;
    }

    public async Task RecordScanAsync(string id, DateTimeOffset time, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(null, "UPDATE rf_watch_folders SET scan_time = @t, error = @e WHERE id = @id", cancellationToken,
            ("@t", time.ToUnixTimeMilliseconds()), ("@e", (object?)error ?? DBNull.Value), ("@id", id));
    }

    public async Task<IReadOnlyList<WatchedFile>> FilesAsync(string folderId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null, $"SELECT {FileColumns} FROM rf_watch_files WHERE folder_id = @f", ReadFile, cancellationToken, ("@f", folderId));
    }

    /// <summary>The folder's files by state, the taken ones also by their job's state, in one read.</summary>
    public async Task<WatchFolderCounts> CountAsync(string folderId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null,
            "SELECT f.state, j.state, COUNT(*) FROM rf_watch_files f LEFT JOIN rf_jobs j ON j.id = f.job_id WHERE f.folder_id = @f GROUP BY f.state, j.state",
            r => ((WatchedFileState)r.GetInt32(0), r.IsDBNull(1) ? JobState.Unspecified : (JobState)r.GetInt32(1), (uint)r.GetInt64(2)), cancellationToken, ("@f", folderId));
        var counts = new WatchFolderCounts();
        foreach (var (file, job, n) in rows)
        {
            counts.Seen += n;
            if (file == WatchedFileState.Settling) counts.Settling += n;
            if (file == WatchedFileState.Submitted) counts.Submitted += n;
            if (file == WatchedFileState.Failed || job == JobState.Failed) counts.Failed += n;
            if (job == JobState.Succeeded) counts.Succeeded += n;
        }

        return counts;
    }

    /// <summary>A scan's changes to its settling files (new, grown, renamed, gone, refused), in one transaction.</summary>
    public async Task ApplyAsync(IReadOnlyList<(string Sql, (string, object?)[] Parameters)> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0) return;
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (sql, parameters) in writes) await connection.ExecuteAsync(transaction, sql, cancellationToken, parameters);
        await transaction.CommitAsync(cancellationToken);
    }

    public static (string, (string, object?)[]) Seen(string folderId, string relPath, long size, long mtime, string identity, DateTimeOffset now) =>
        ($"""
          INSERT INTO rf_watch_files (folder_id, {FileColumns}, update_time) VALUES (@f, @p, @s, @m, @i, {(int)WatchedFileState.Settling}, @t, NULL, NULL, @t)
          ON CONFLICT (folder_id, rel_path) DO UPDATE SET size_bytes = @s, mtime = @m, identity = @i, state = {(int)WatchedFileState.Settling},
            stable_since = @t, job_id = NULL, error = NULL, update_time = @t
          """,
         [("@f", folderId), ("@p", relPath), ("@s", size), ("@m", mtime), ("@i", identity), ("@t", now.ToUnixTimeMilliseconds())]);

    public static (string, (string, object?)[]) Moved(string folderId, string from, string to, DateTimeOffset now) =>
        ("UPDATE rf_watch_files SET rel_path = @to, update_time = @t WHERE folder_id = @f AND rel_path = @from",
         [("@f", folderId), ("@from", from), ("@to", to), ("@t", now.ToUnixTimeMilliseconds())]);

    public static (string, (string, object?)[]) Gone(string folderId, string relPath) =>
        ($"DELETE FROM rf_watch_files WHERE folder_id = @f AND rel_path = @p AND state = {(int)WatchedFileState.Settling}", [("@f", folderId), ("@p", relPath)]);

    public static (string, (string, object?)[]) Refused(string folderId, WatchedFile file, string error, DateTimeOffset now) =>
        ($"UPDATE rf_watch_files SET state = {(int)WatchedFileState.Failed}, error = @e, update_time = @t WHERE folder_id = @f AND rel_path = @p AND state = {(int)WatchedFileState.Settling}",
         [("@e", error), ("@t", now.ToUnixTimeMilliseconds()), ("@f", folderId), ("@p", file.RelPath)]);

    /// <summary>
    /// Marks a settling file taken as <paramref name="jobId"/>, in the transaction that inserts the job; the work fails (no
    /// job is inserted) unless the file is still settling with the size and time the scan saw.
    /// </summary>
    public static Task MarkSubmittedAsync(IJobTransaction tx, string folderId, WatchedFile file, string jobId, DateTimeOffset now) =>
        tx.ExecuteOneAsync($"watched file '{file.RelPath}'",
            $"UPDATE rf_watch_files SET state = {(int)WatchedFileState.Submitted}, job_id = @j, update_time = @t " +
            $"WHERE folder_id = @f AND rel_path = @p AND state = {(int)WatchedFileState.Settling} AND size_bytes = @s AND mtime = @m",
            ("@j", jobId), ("@t", now.ToUnixTimeMilliseconds()), ("@f", folderId), ("@p", file.RelPath), ("@s", file.Size), ("@m", file.Mtime));

    /// <summary>
    /// On PostgreSQL, a session lock (<c>pg_try_advisory_lock</c>) on the folder held until disposed, or null when another
    /// coordinator holds it (it is scanning the folder now); its session ending (a crash) releases it. Nothing on SQLite,
    /// where one coordinator owns the database.
    /// </summary>
    public async Task<IAsyncDisposable?> TryLockAsync(string folderId, CancellationToken cancellationToken)
    {
        if (store is not PostgresJobStore) return new NoLock();
        var key = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("rf-watch-folder:" + folderId)), 0);
        var connection = await store.OpenConnectionAsync(cancellationToken);
        var taken = await connection.QueryAsync(null, "SELECT pg_try_advisory_lock(@k)", r => r.GetBoolean(0), cancellationToken, ("@k", key));
        if (taken[0]) return new AdvisoryLock(connection, key);
        await connection.DisposeAsync();
        return null;
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class AdvisoryLock(DbConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.ExecuteAsync(null, "SELECT pg_advisory_unlock(@k)", CancellationToken.None, ("@k", key));
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static WatchFolderRecord ReadFolder(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), TimeSpan.FromMilliseconds(r.GetInt64(4)), r.GetInt64(5) != 0, r.GetInt64(6) != 0,
        r.GetString(7), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)), r.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
        r.IsDBNull(10) ? null : r.GetString(10));

    private static WatchedFile ReadFile(DbDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), (WatchedFileState)r.GetInt32(4), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7));
}
