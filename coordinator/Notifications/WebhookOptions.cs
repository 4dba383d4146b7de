namespace RenderFarm.Coordinator.Notifications;

/// <summary>Webhooks the coordinator sends when jobs end; bound from <c>Coordinator:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Coordinator:Webhooks";

    /// <summary>Farm-wide receivers: every job's end is sent to each.</summary>
    public List<WebhookEndpointOptions> Endpoints { get; set; } = [];

    /// <summary>The secret that signs deliveries to a job's own <c>notify_urls</c>. Empty: they are sent unsigned.</summary>
    public string JobSecret { get; set; } = "";

    /// <summary>The body sent to a job's own <c>notify_urls</c>: json (default), slack or discord.</summary>
    public string JobFormat { get; set; } = WebhookFormats.Json;

    /// <summary>Whether jobs may name their own <c>notify_urls</c> (default true). Turn off where editors must not make the coordinator call arbitrary addresses.</summary>
    public bool AllowJobUrls { get; set; } = true;

    /// <summary>Tries per delivery before it is given up (default 8).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the second try; doubled after each failure up to <see cref="MaxRetryDelay"/> (default 10 s).</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait between tries (default 10 min).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// At start, jobs (among the newest 500 that ended) that ended within this window get their deliveries if they lack
    /// them: a coordinator stopped between a job's end and recording its deliveries. Deliveries are unique per event and
    /// URL, so nothing is sent twice. Default 10 min; 0 = off.
    /// </summary>
    public TimeSpan CatchUpWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one try waits for the receiver's answer (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>One farm-wide receiver.</summary>
public sealed class WebhookEndpointOptions
{
    /// <summary>http or https URL the body is POSTed to.</summary>
    public string Url { get; set; } = "";

    /// <summary>Signs each body (HMAC-SHA256, <c>X-RenderFarm-Signature: sha256=...</c>). Empty: unsigned.</summary>
    public string Secret { get; set; } = "";

    /// <summary>json (default; the farm's own body), slack or discord (their incoming-webhook bodies).</summary>
    public string Format { get; set; } = WebhookFormats.Json;
}
