namespace RenderFarm.Coordinator.Notifications;

/// <summary>Runs try <c>number</c> of a delivery at a time (a persistent Quartz trigger, so it survives a restart).</summary>
public interface IWebhookScheduler
{
    Task ScheduleAsync(string deliveryId, int number, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Whether try <paramref name="number"/> of the delivery has a trigger waiting.</summary>
    Task<bool> IsScheduledAsync(string deliveryId, int number, CancellationToken cancellationToken);
}
