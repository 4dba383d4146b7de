using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// The extension point of notifications: each registered source names the receivers of a job's end and of a batch's
/// end. Built in: the farm's (<see cref="FarmWebhookTargets"/>: both), the job's own (<see cref="JobWebhookTargets"/>),
/// a batch's (<see cref="BatchWebhookTargets"/>: its batch.ended) and a watch folder's (<see cref="WatchFolderWebhookTargets"/>:
/// each of its jobs). A URL named by several sources gets one delivery (the first source's secret and format).
/// </summary>
public interface IWebhookTargetSource
{
    ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken);

    /// <summary>The receivers of a batch's end (<c>batch.ended</c>); none unless the source names some.</summary>
    ValueTask<IReadOnlyList<WebhookTarget>> TargetsForBatchAsync(BatchEnd ended, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<WebhookTarget>>([]);
}
