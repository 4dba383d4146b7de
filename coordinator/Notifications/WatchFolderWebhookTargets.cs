using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// A watch folder's receivers (<c>AddWatchFolderRequest.notify_urls</c>): the end of each job made from the folder;
/// signed and formatted as a job's own (<c>Coordinator:Webhooks:JobSecret</c>, <c>JobFormat</c>).
/// </summary>
public sealed class WatchFolderWebhookTargets(WebhookSubscriptions subscriptions, IOptionsMonitor<WebhookOptions> options) : IWebhookTargetSource
{
    public async ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var urls = await subscriptions.WatchFolderUrlsOfJobAsync(job.Id, cancellationToken);
        return urls.Select(url => new WebhookTarget(url, o.JobSecret, o.JobFormat, "watchfolder")).ToList();
    }
}
