using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// The extension point of notifications: each registered source names the receivers of a job's end. The farm's
/// (<see cref="FarmWebhookTargets"/>) and the job's own (<see cref="JobWebhookTargets"/>) are built in; recipes,
/// batches and watch folders add theirs by registering another <c>IWebhookTargetSource</c>. A URL named by several
/// sources gets one delivery (the first source's secret and format).
/// </summary>
public interface IWebhookTargetSource
{
    ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken);
}
