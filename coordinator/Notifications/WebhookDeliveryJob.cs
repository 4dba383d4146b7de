using Quartz;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>Fired by a one-shot trigger per try of a delivery: makes the try, and schedules the next one when it failed.</summary>
public sealed class WebhookDeliveryJob(WebhookDeliveries deliveries, IWebhookScheduler scheduler) : IJob
{
    public const string DeliveryIdKey = "deliveryId";
    public const string NumberKey = "number";
    public static readonly JobKey Key = new("webhook-delivery", "renderfarm");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.MergedJobDataMap.GetString(DeliveryIdKey)!;
        var number = int.Parse(context.MergedJobDataMap.GetString(NumberKey) ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        if (await deliveries.DeliverAsync(id, cancellationToken) is { } next)
        {
            // A trigger of its own for the next try: replacing the trigger that is firing would be undone when it completes.
            await scheduler.ScheduleAsync(id, number + 1, next, cancellationToken);
        }
    }
}
