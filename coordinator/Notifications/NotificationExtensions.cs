using Quartz;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>Webhooks when jobs and batches end: targets, deliveries, their Quartz job and the HTTP client they use.</summary>
public static class NotificationExtensions
{
    public static IServiceCollection AddFarmNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(o => o.Endpoints.All(e => IsHttpUrl(e.Url)), "Coordinator:Webhooks:Endpoints: every Url must be an absolute http or https URL")
            .Validate(o => o.Endpoints.All(e => WebhookFormats.IsKnown(e.Format)) && WebhookFormats.IsKnown(o.JobFormat),
                "Coordinator:Webhooks: Format and JobFormat must be json, slack or discord")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "Coordinator:Webhooks:MaxAttempts: must be 1 to 100")
            .Validate(o => o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay, "Coordinator:Webhooks: FirstRetryDelay must be above 0 and at most MaxRetryDelay")
            .Validate(o => o.Timeout > TimeSpan.Zero, "Coordinator:Webhooks:Timeout: must be above 0")
            .Validate(o => o.CatchUpWindow >= TimeSpan.Zero, "Coordinator:Webhooks:CatchUpWindow: must not be negative")
            .ValidateOnStart();
        services.AddHttpClient(WebhookDeliveries.HttpClientName, c => c.DefaultRequestHeaders.UserAgent.ParseAdd("RenderFarm-Webhooks/1"));
        services.AddSingleton(sp => new WebhookStore((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        services.AddSingleton(sp => new WebhookSubscriptions((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        // Where a job's or a batch's end is sent: add an IWebhookTargetSource for more.
        services.AddSingleton<IWebhookTargetSource, FarmWebhookTargets>();
        services.AddSingleton<IWebhookTargetSource, JobWebhookTargets>();
        services.AddSingleton<IWebhookTargetSource, BatchWebhookTargets>();
        services.AddSingleton<IWebhookTargetSource, WatchFolderWebhookTargets>();
        services.AddSingleton<IWebhookTargetSource, RecipeWebhookTargets>();
        services.AddSingleton<BatchEndWebhooks>();
        services.AddSingleton<IWebhookScheduler, QuartzWebhookScheduler>();
        services.AddSingleton<WebhookDeliveries>();
        services.AddHostedService<WebhookNotifier>();
        services.AddQuartz(q => q.AddJob<WebhookDeliveryJob>(j => j.WithIdentity(WebhookDeliveryJob.Key).StoreDurably()));
        return services;
    }

    public static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;
}
