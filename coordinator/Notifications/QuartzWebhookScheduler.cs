using Quartz;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>One persistent Quartz trigger per try of a delivery, in the farm's Quartz store (one coordinator fires it).</summary>
public sealed class QuartzWebhookScheduler(ISchedulerFactory schedulers) : IWebhookScheduler
{
    public static TriggerKey KeyFor(string deliveryId, int number) => new($"webhook-{deliveryId}-{number}", "renderfarm-webhooks");

    public async Task ScheduleAsync(string deliveryId, int number, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(KeyFor(deliveryId, number))
            .ForJob(WebhookDeliveryJob.Key)
            .UsingJobData(WebhookDeliveryJob.DeliveryIdKey, deliveryId)
            .UsingJobData(WebhookDeliveryJob.NumberKey, number.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .StartAt(at)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, cancellationToken);
    }

    public async Task<bool> IsScheduledAsync(string deliveryId, int number, CancellationToken cancellationToken) =>
        await (await schedulers.GetScheduler(cancellationToken)).Exists(KeyFor(deliveryId, number), cancellationToken);
}
