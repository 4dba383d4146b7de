using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenderFarm.Coordinator.Notifications;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>NotificationService over gRPC: the webhook deliveries and their answers.</summary>
public sealed class NotificationGrpcService(WebhookStore deliveries) : NotificationService.NotificationServiceBase
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public override async Task<ListWebhookDeliveriesResponse> ListWebhookDeliveries(ListWebhookDeliveriesRequest request, ServerCallContext context)
    {
        if (request.PageSize > MaxPageSize) throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size: {request.PageSize} is more than {MaxPageSize}"));
        var size = request.PageSize == 0 ? DefaultPageSize : (int)request.PageSize;
        var response = new ListWebhookDeliveriesResponse();
        foreach (var (d, attempts) in await deliveries.ListAsync(request.JobId.Length > 0 ? request.JobId : null, size, context.CancellationToken))
        {
            var view = new WebhookDelivery
            {
                Id = d.Id,
                JobId = d.JobId,
                Event = d.Event,
                Url = d.Url,
                Format = d.Format,
                Source = d.Source,
                State = d.State,
                CreateTime = Timestamp.FromDateTimeOffset(d.Created),
                NextAttemptTime = d.State == WebhookDeliveryState.Pending ? Timestamp.FromDateTimeOffset(d.NextAttempt) : null,
            };
            view.Attempts.AddRange(attempts.Select(a => new WebhookAttempt
            {
                Number = (uint)a.Number,
                Time = Timestamp.FromDateTimeOffset(a.Time),
                Status = a.Status,
                Answer = a.Answer,
                Error = a.Error,
                DurationMs = (uint)Math.Min(a.DurationMs, uint.MaxValue),
            }));
            response.Deliveries.Add(view);
        }

        return response;
    }
}
