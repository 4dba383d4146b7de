using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// The URLs a batch or a watch folder notifies (<c>rf_webhook_subscriptions</c>), by subject: <c>batch:ID</c> or
/// <c>watchfolder:ID</c>. A batch's are written in the transaction that inserts its jobs.
/// </summary>
public sealed class WebhookSubscriptions(SqlJobStore store)
{
    public static string ForBatch(string batchId) => "batch:" + batchId;

    public static string ForWatchFolder(string folderId) => "watchfolder:" + folderId;

    /// <summary>Holds <paramref name="urls"/> for <paramref name="subject"/> in <paramref name="tx"/>.</summary>
    public static async Task InsertAsync(IJobTransaction tx, string subject, IEnumerable<string> urls)
    {
        foreach (var url in urls.Distinct(StringComparer.Ordinal))
        {
            await tx.ExecuteAsync("INSERT INTO rf_webhook_subscriptions (subject, url) VALUES (@s, @u)", ("@s", subject), ("@u", url));
        }
    }

    /// <summary>Stores <paramref name="urls"/> for <paramref name="subject"/> on a connection of its own.</summary>
    public async Task AddAsync(string subject, IEnumerable<string> urls, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        foreach (var url in urls.Distinct(StringComparer.Ordinal))
        {
            await connection.ExecuteAsync(null, "INSERT INTO rf_webhook_subscriptions (subject, url) VALUES (@s, @u) ON CONFLICT (subject, url) DO NOTHING",
                cancellationToken, ("@s", subject), ("@u", url));
        }
    }

    public async Task<IReadOnlyList<string>> UrlsAsync(string subject, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null, "SELECT url FROM rf_webhook_subscriptions WHERE subject = @s ORDER BY url", r => r.GetString(0), cancellationToken,
            ("@s", subject));
    }

    /// <summary>The URLs of the watch folder a job was made from (none when no watch folder made it).</summary>
    public async Task<IReadOnlyList<string>> WatchFolderUrlsOfJobAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null,
            "SELECT DISTINCT s.url FROM rf_watch_files f JOIN rf_webhook_subscriptions s ON s.subject = 'watchfolder:' || f.folder_id WHERE f.job_id = @j ORDER BY s.url",
            r => r.GetString(0), cancellationToken, ("@j", jobId));
    }

    public async Task RemoveAsync(string subject, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(null, "DELETE FROM rf_webhook_subscriptions WHERE subject = @s", cancellationToken, ("@s", subject));
    }
}
