using Grpc.Core;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Watching;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>FarmService over gRPC: agents and queue statistics for operators.</summary>
public sealed class FarmGrpcService(FarmStatus status, FarmWatch watch) : FarmService.FarmServiceBase
{
    public override async Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        var response = new ListAgentsResponse();
        response.Agents.AddRange(await status.ListAgentsAsync(context.CancellationToken));
        return response;
    }

    public override Task<GetQueueStatsResponse> GetQueueStats(GetQueueStatsRequest request, ServerCallContext context) =>
        status.GetQueueStatsAsync(context.CancellationToken);

    public override Task WatchFarm(WatchFarmRequest request, IServerStreamWriter<FarmEvent> responseStream, ServerCallContext context) =>
        watch.RunAsync(responseStream, context.CancellationToken);
}
