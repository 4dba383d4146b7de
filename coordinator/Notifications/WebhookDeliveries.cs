using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// Notifications of a job's end: one delivery per receiver (<see cref="IWebhookTargetSource"/>), stored with its body
/// and signature before anything is sent, then tried by <see cref="IWebhookScheduler"/> (Quartz) until the receiver
/// answers 2xx or <see cref="WebhookOptions.MaxAttempts"/> tries have failed, waiting <see cref="Backoff"/> in between.
/// Each try and its answer is recorded; a try is recorded only if the delivery is still pending after the tries before
/// it, and a delivered one is never sent again.
/// </summary>
public sealed partial class WebhookDeliveries(
    WebhookStore store,
    IEnumerable<IWebhookTargetSource> sources,
    IWebhookScheduler scheduler,
    IHttpClientFactory http,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDeliveries> logger)
{
    public const string HttpClientName = "renderfarm-webhooks";
    public const int MaxAnswerChars = 500;

    /// <summary>Stores and schedules the notifications of <paramref name="job"/>'s end; returns how many were new.</summary>
    public async Task<int> EnqueueJobEndAsync(JobRecord job, CancellationToken cancellationToken)
    {
        if (!JobStateRollup.IsTerminal(job.State) || job.IsRecurring) return 0;
        var now = time.GetUtcNow();
        var @event = WebhookBodies.EventOf(job);
        var key = $"{job.Id}:{@event}:{(job.EndTime ?? now).ToUnixTimeMilliseconds()}";
        var targets = new List<WebhookTarget>();
        foreach (var source in sources) targets.AddRange(await source.TargetsForAsync(job, cancellationToken));
        return await EnqueueAsync(key, job.Id, @event, targets, (format, id) => WebhookBodies.For(job, format, id, now), now, cancellationToken);
    }

    /// <summary>
    /// Stores and schedules the one <c>batch.ended</c> notification of <paramref name="ended"/> per receiver; returns how many
    /// were new. Its key is the batch and the time its last job ended, so however many coordinators or jobs report the end,
    /// each receiver gets it once (and once more only if a retried batch ends again).
    /// </summary>
    public async Task<int> EnqueueBatchEndAsync(BatchEnd ended, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = $"{ended.Batch.Id}:{WebhookBodies.BatchEnded}:{ended.EndTime.ToUnixTimeMilliseconds()}";
        var targets = new List<WebhookTarget>();
        foreach (var source in sources) targets.AddRange(await source.TargetsForBatchAsync(ended, cancellationToken));
        return await EnqueueAsync(key, ended.Batch.Id, WebhookBodies.BatchEnded, targets, (format, id) => WebhookBodies.ForBatch(ended, format, id, now), now,
            cancellationToken);
    }

    private async Task<int> EnqueueAsync(
        string key, string subjectId, string @event, List<WebhookTarget> targets, Func<string, string, string> body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var added = 0;
        foreach (var target in targets)
        {
            if (!seen.Add(target.Url)) continue;
            var id = "wh-" + Guid.NewGuid().ToString("N")[..16];
            var text = body(target.Format, id);
            var delivery = new WebhookStore.Delivery(id, key, subjectId, @event, target.Url, target.Format, target.Source, text,
                WebhookSignature.Sign(text, target.Secret), WebhookDeliveryState.Pending, 0, now, now);
            if (!await store.InsertAsync(delivery, cancellationToken)) continue;
            await scheduler.ScheduleAsync(id, 1, now, cancellationToken);
            added++;
        }

        return added;
    }

    /// <summary>Makes the next try of delivery <paramref name="id"/>; returns when to try again, or null when it is done.</summary>
    public async Task<DateTimeOffset?> DeliverAsync(string id, CancellationToken cancellationToken)
    {
        var delivery = await store.FindAsync(id, cancellationToken);
        if (delivery is not { State: WebhookDeliveryState.Pending }) return null;
        var o = options.CurrentValue;
        var number = delivery.Attempts + 1;
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var (status, answer, error) = await SendAsync(delivery, o.Timeout, cancellationToken);
        var ok = status is >= 200 and < 300;
        var state = ok ? WebhookDeliveryState.Delivered : number >= o.MaxAttempts ? WebhookDeliveryState.Failed : WebhookDeliveryState.Pending;
        var next = state == WebhookDeliveryState.Pending ? time.GetUtcNow() + Backoff(number) : time.GetUtcNow();
        var attempt = new WebhookStore.Attempt(id, number, started, status, answer, error, clock.ElapsedMilliseconds);
        if (!await store.RecordAttemptAsync(attempt, state, next, cancellationToken)) return null;

        if (ok) LogDelivered(logger, id, delivery.Event, delivery.JobId, delivery.Url, number);
        else if (state == WebhookDeliveryState.Failed) LogGaveUp(logger, id, delivery.Url, number, status, error);
        else LogRetry(logger, id, delivery.Url, number, status, error, next);
        return state == WebhookDeliveryState.Pending ? next : null;
    }

    /// <summary>Wait after <paramref name="failures"/> failed tries: the first delay, doubled per failure, at most the longest.</summary>
    public TimeSpan Backoff(int failures)
    {
        var o = options.CurrentValue;
        var delay = o.FirstRetryDelay * Math.Pow(2, Math.Min(Math.Max(failures - 1, 0), 30));
        return delay > o.MaxRetryDelay ? o.MaxRetryDelay : delay;
    }

    private async Task<(int Status, string Answer, string Error)> SendAsync(WebhookStore.Delivery delivery, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        if (delivery.Signature.Length > 0) request.Headers.TryAddWithoutValidation(WebhookSignature.Header, delivery.Signature);
        request.Headers.TryAddWithoutValidation("X-RenderFarm-Event", delivery.Event);
        request.Headers.TryAddWithoutValidation("X-RenderFarm-Delivery", delivery.Id);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, limit.Token);
            var text = await response.Content.ReadAsStringAsync(limit.Token);
            return ((int)response.StatusCode, text.Length > MaxAnswerChars ? text[..MaxAnswerChars] : text, "");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, "", $"no answer within {timeout.TotalSeconds:0.#} s (Coordinator:Webhooks:Timeout)");
        }
        catch (HttpRequestException ex)
        {
            return (0, "", ex.Message);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Webhook {DeliveryId} ({Event} of job {JobId}) delivered to {Url} on try {Try}")]
    private static partial void LogDelivered(ILogger logger, string deliveryId, string @event, string jobId, string url, int @try);

    [LoggerMessage(2, LogLevel.Warning, "Webhook {DeliveryId} to {Url}: try {Try} failed (HTTP {Status}{Error}); trying again at {Next:u}")]
    private static partial void LogRetry(ILogger logger, string deliveryId, string url, int @try, int status, string error, DateTimeOffset next);

    [LoggerMessage(3, LogLevel.Error, "Webhook {DeliveryId} to {Url}: given up after {Try} tries (last: HTTP {Status}{Error})")]
    private static partial void LogGaveUp(ILogger logger, string deliveryId, string url, int @try, int status, string error);
}
