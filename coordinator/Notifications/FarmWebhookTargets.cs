using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>The farm-wide receivers of <c>Coordinator:Webhooks:Endpoints</c>: every job's end and every batch's end.</summary>
public sealed class FarmWebhookTargets(IOptionsMonitor<WebhookOptions> options) : IWebhookTargetSource
{
    public ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken) => ValueTask.FromResult(Targets());

    public ValueTask<IReadOnlyList<WebhookTarget>> TargetsForBatchAsync(BatchEnd ended, CancellationToken cancellationToken) => ValueTask.FromResult(Targets());

    private IReadOnlyList<WebhookTarget> Targets() =>
        options.CurrentValue.Endpoints.Where(e => e.Url.Length > 0).Select(e => new WebhookTarget(e.Url, e.Secret, e.Format, "farm")).ToList();
}
