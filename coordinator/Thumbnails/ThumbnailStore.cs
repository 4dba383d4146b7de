using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Jobs' poster frames in the farm's database (SQLite or PostgreSQL, table <c>rf_job_thumbnails</c>), on connections of
/// their own like <c>WebhookStore</c>: a thumbnail never shares a job transaction. Housekeeping removes a row with its job.
/// </summary>
public sealed class ThumbnailStore(SqlJobStore store)
{
    /// <summary>A JPEG poster frame and its size in pixels.</summary>
    public sealed record Thumbnail(string JobId, byte[] Jpeg, int Width, int Height, DateTimeOffset Created);

    /// <summary>Stores a job's thumbnail, replacing one made before (a job retried after it succeeded).</summary>
    public async Task SaveAsync(Thumbnail thumbnail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(thumbnail);
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(null,
            "INSERT INTO rf_job_thumbnails (job_id, jpeg, width, height, create_time) VALUES (@id, @jpeg, @w, @h, @t) " +
            "ON CONFLICT (job_id) DO UPDATE SET jpeg = excluded.jpeg, width = excluded.width, height = excluded.height, create_time = excluded.create_time",
            cancellationToken, ("@id", thumbnail.JobId), ("@jpeg", thumbnail.Jpeg), ("@w", thumbnail.Width), ("@h", thumbnail.Height),
            ("@t", thumbnail.Created.ToUnixTimeMilliseconds()));
    }

    /// <summary>The job's thumbnail, or null when none has been made (yet).</summary>
    public async Task<Thumbnail?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, "SELECT job_id, jpeg, width, height, create_time FROM rf_job_thumbnails WHERE job_id = @id",
            r => new Thumbnail(r.GetString(0), (byte[])r.GetValue(1), r.GetInt32(2), r.GetInt32(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4))),
            cancellationToken, ("@id", jobId));
        return rows.Count == 0 ? null : rows[0];
    }
}
