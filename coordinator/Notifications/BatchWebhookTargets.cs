using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// A batch's own receivers (<c>SubmitBatchRequest.notify_urls</c>): its one <c>batch.ended</c>, not each job's end; signed
/// and formatted as a job's own (<c>Coordinator:Webhooks:JobSecret</c>, <c>JobFormat</c>).
/// </summary>
public sealed class BatchWebhookTargets(WebhookSubscriptions subscriptions, IOptionsMonitor<WebhookOptions> options) : IWebhookTargetSource
{
    public ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<WebhookTarget>>([]);

    public async ValueTask<IReadOnlyList<WebhookTarget>> TargetsForBatchAsync(BatchEnd ended, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var urls = await subscriptions.UrlsAsync(WebhookSubscriptions.ForBatch(ended.Batch.Id), cancellationToken);
        return urls.Select(url => new WebhookTarget(url, o.JobSecret, o.JobFormat, "batch")).ToList();
    }
}
