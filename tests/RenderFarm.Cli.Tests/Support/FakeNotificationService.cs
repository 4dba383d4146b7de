using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>A scripted NotificationService answering from <see cref="FakeCoordinator"/>.</summary>
public sealed class FakeNotificationService(FakeCoordinator farm) : NotificationService.NotificationServiceBase
{
    public override Task<ListWebhookDeliveriesResponse> ListWebhookDeliveries(ListWebhookDeliveriesRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        farm.WebhookRequests.Add(request);
        return Task.FromResult(farm.WebhookDeliveries);
    }
}
