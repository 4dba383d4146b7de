using Grpc.Core;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>FarmService over gRPC: agents and queue statistics for operators.</summary>
public sealed class FarmGrpcService(FarmStatus status) : FarmService.FarmServiceBase
{
    public override Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        var response = new ListAgentsResponse();
        response.Agents.AddRange(status.ListAgents());
        return Task.FromResult(response);
    }

    public override Task<GetQueueStatsResponse> GetQueueStats(GetQueueStatsRequest request, ServerCallContext context) =>
        status.GetQueueStatsAsync(context.CancellationToken);
}
