using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>A scripted FarmService answering from <see cref="FakeCoordinator"/>.</summary>
public sealed class FakeFarmService(FakeCoordinator farm) : FarmService.FarmServiceBase
{
    public override Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        return Task.FromResult(farm.Agents);
    }

    public override Task<GetQueueStatsResponse> GetQueueStats(GetQueueStatsRequest request, ServerCallContext context)
    {
        farm.ThrowIfFailing();
        return Task.FromResult(farm.Stats);
    }
}
