using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Jobs' thumbnails (poster, contact sheet, source poster) in the farm's database (SQLite or PostgreSQL, table
/// <c>rf_job_thumbnails</c>, one row per job and kind), on connections of their own like <c>WebhookStore</c>: a thumbnail
/// never shares a job transaction. Housekeeping removes the rows with their job.
/// </summary>
public sealed class ThumbnailStore(SqlJobStore store)
{
    /// <summary>A JPEG of one kind and its size in pixels.</summary>
    public sealed record Thumbnail(string JobId, ThumbnailKind Kind, byte[] Jpeg, int Width, int Height, DateTimeOffset Created);

    /// <summary>Stores a job's thumbnail of its kind, replacing one made before (a job retried after it succeeded).</summary>
    public async Task SaveAsync(Thumbnail thumbnail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(thumbnail);
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(null,
            "INSERT INTO rf_job_thumbnails (job_id, kind, jpeg, width, height, create_time) VALUES (@id, @kind, @jpeg, @w, @h, @t) " +
            "ON CONFLICT (job_id, kind) DO UPDATE SET jpeg = excluded.jpeg, width = excluded.width, height = excluded.height, create_time = excluded.create_time",
            cancellationToken, ("@id", thumbnail.JobId), ("@kind", (int)thumbnail.Kind), ("@jpeg", thumbnail.Jpeg), ("@w", thumbnail.Width),
            ("@h", thumbnail.Height), ("@t", thumbnail.Created.ToUnixTimeMilliseconds()));
    }

    /// <summary>Removes a job's thumbnail of one kind (a retried job's output no longer has a contact sheet or a graded source).</summary>
    public async Task DeleteAsync(string jobId, ThumbnailKind kind, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(null, "DELETE FROM rf_job_thumbnails WHERE job_id = @id AND kind = @kind", cancellationToken,
            ("@id", jobId), ("@kind", (int)kind));
    }

    /// <summary>The job's thumbnail of that kind (the poster by default), or null when none has been made (yet).</summary>
    public async Task<Thumbnail?> FindAsync(string jobId, CancellationToken cancellationToken, ThumbnailKind kind = ThumbnailKind.Poster)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null,
            "SELECT job_id, kind, jpeg, width, height, create_time FROM rf_job_thumbnails WHERE job_id = @id AND kind = @kind",
            r => new Thumbnail(r.GetString(0), (ThumbnailKind)r.GetInt32(1), (byte[])r.GetValue(2), r.GetInt32(3), r.GetInt32(4),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5))),
            cancellationToken, ("@id", jobId), ("@kind", (int)(kind == ThumbnailKind.Unspecified ? ThumbnailKind.Poster : kind)));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// The kinds of thumbnail the job has that were made at or after <paramref name="madeSince"/> (the job's end time: older
    /// ones are of an earlier run), in <see cref="ThumbnailKind"/> order (the poster first).
    /// </summary>
    public async Task<IReadOnlyList<ThumbnailKind>> KindsAsync(string jobId, DateTimeOffset madeSince, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null, "SELECT kind FROM rf_job_thumbnails WHERE job_id = @id AND create_time >= @since ORDER BY kind",
            r => (ThumbnailKind)r.GetInt32(0), cancellationToken, ("@id", jobId), ("@since", madeSince.ToUnixTimeMilliseconds()));
    }
}
