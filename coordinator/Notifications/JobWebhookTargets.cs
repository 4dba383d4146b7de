using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>A job's own receivers (<c>JobSpec.notify_urls</c>), signed with <c>Coordinator:Webhooks:JobSecret</c>.</summary>
public sealed class JobWebhookTargets(IOptionsMonitor<WebhookOptions> options) : IWebhookTargetSource
{
    public ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        return ValueTask.FromResult<IReadOnlyList<WebhookTarget>>(!o.AllowJobUrls ? []
            : job.Spec.NotifyUrls.Select(url => new WebhookTarget(url, o.JobSecret, o.JobFormat, "job")).ToList());
    }
}
