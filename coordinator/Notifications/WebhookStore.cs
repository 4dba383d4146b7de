using System.Data.Common;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// Webhook deliveries and their attempts in the farm's database (SQLite or PostgreSQL, tables of the webhook
/// migration), on connections of their own like <c>AccessStore</c>: deliveries never share a job transaction.
/// </summary>
public sealed class WebhookStore(SqlJobStore store)
{
    public sealed record Delivery(
        string Id, string EventKey, string JobId, string Event, string Url, string Format, string Source, string Body, string Signature,
        WebhookDeliveryState State, int Attempts, DateTimeOffset NextAttempt, DateTimeOffset Created);

    public sealed record Attempt(string DeliveryId, int Number, DateTimeOffset Time, int Status, string Answer, string Error, long DurationMs);

    private const string Columns = "id, event_key, job_id, event, url, format, source, body, signature, state, attempts, next_attempt_time, create_time";

    /// <summary>Stores a delivery unless one for the same event and URL exists; returns whether it was stored.</summary>
    public async Task<bool> InsertAsync(Delivery d, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(null,
            $"INSERT INTO rf_webhook_deliveries ({Columns}) VALUES (@id, @key, @job, @event, @url, @format, @source, @body, @sig, @state, 0, @next, @created) " +
            "ON CONFLICT (event_key, url) DO NOTHING", cancellationToken,
            ("@id", d.Id), ("@key", d.EventKey), ("@job", d.JobId), ("@event", d.Event), ("@url", d.Url), ("@format", d.Format), ("@source", d.Source),
            ("@body", d.Body), ("@sig", d.Signature), ("@state", (int)d.State), ("@next", d.NextAttempt.ToUnixTimeMilliseconds()),
            ("@created", d.Created.ToUnixTimeMilliseconds())) == 1;
    }

    public async Task<Delivery?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, $"SELECT {Columns} FROM rf_webhook_deliveries WHERE id = @id", Read, cancellationToken, ("@id", id));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Records attempt <paramref name="attempt"/> and moves the delivery on, only if it is still pending after
    /// <c>attempt.Number - 1</c> tries (so an attempt made twice is recorded once); returns whether it was recorded.
    /// </summary>
    public async Task<bool> RecordAttemptAsync(Attempt attempt, WebhookDeliveryState state, DateTimeOffset next, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = await connection.ExecuteAsync(transaction,
            "UPDATE rf_webhook_deliveries SET state = @state, attempts = @n, next_attempt_time = @next WHERE id = @id AND state = @pending AND attempts = @before",
            cancellationToken, ("@state", (int)state), ("@n", attempt.Number), ("@next", next.ToUnixTimeMilliseconds()), ("@id", attempt.DeliveryId),
            ("@pending", (int)WebhookDeliveryState.Pending), ("@before", attempt.Number - 1));
        if (moved != 1) return false;
        await connection.ExecuteAsync(transaction,
            "INSERT INTO rf_webhook_attempts (delivery_id, attempt, attempt_time, status, answer, error, duration_ms) VALUES (@id, @n, @t, @status, @answer, @error, @ms)",
            cancellationToken, ("@id", attempt.DeliveryId), ("@n", attempt.Number), ("@t", attempt.Time.ToUnixTimeMilliseconds()), ("@status", attempt.Status),
            ("@answer", attempt.Answer), ("@error", attempt.Error), ("@ms", attempt.DurationMs));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Deliveries not yet delivered nor given up (to re-create their triggers at start).</summary>
    public async Task<IReadOnlyList<Delivery>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null, $"SELECT {Columns} FROM rf_webhook_deliveries WHERE state = 1 ORDER BY next_attempt_time", Read, cancellationToken);
    }

    /// <summary>Deliveries newest first (of one job, or all), each with its attempts in order.</summary>
    public async Task<IReadOnlyList<(Delivery Delivery, IReadOnlyList<Attempt> Attempts)>> ListAsync(string? jobId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var deliveries = jobId is null
            ? await connection.QueryAsync(null, $"SELECT {Columns} FROM rf_webhook_deliveries ORDER BY create_time DESC, id LIMIT @limit", Read, cancellationToken, ("@limit", limit))
            : await connection.QueryAsync(null, $"SELECT {Columns} FROM rf_webhook_deliveries WHERE job_id = @job ORDER BY create_time DESC, id LIMIT @limit", Read, cancellationToken,
                ("@job", jobId), ("@limit", limit));
        var result = new List<(Delivery, IReadOnlyList<Attempt>)>(deliveries.Count);
        foreach (var delivery in deliveries)
        {
            var attempts = await connection.QueryAsync(null,
                "SELECT delivery_id, attempt, attempt_time, status, answer, error, duration_ms FROM rf_webhook_attempts WHERE delivery_id = @id ORDER BY attempt",
                r => new Attempt(r.GetString(0), r.GetInt32(1), FromMillis(r.GetInt64(2)), r.GetInt32(3), r.GetString(4), r.GetString(5), r.GetInt64(6)),
                cancellationToken, ("@id", delivery.Id));
            result.Add((delivery, attempts));
        }

        return result;
    }

    private static Delivery Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetString(8),
        (WebhookDeliveryState)r.GetInt32(9), r.GetInt32(10), FromMillis(r.GetInt64(11)), FromMillis(r.GetInt64(12)));

    private static DateTimeOffset FromMillis(long millis) => DateTimeOffset.FromUnixTimeMilliseconds(millis);
}
