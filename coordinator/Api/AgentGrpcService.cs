using Grpc.Core;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Security;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>AgentService over gRPC: each agent's stream is run by an <see cref="AgentConnection"/>.</summary>
public sealed class AgentGrpcService(AgentConnection connection) : AgentService.AgentServiceBase
{
    public override Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context) =>
        connection.RunAsync(requestStream, responseStream, Caller.Of(context)?.Name, context.CancellationToken);
}
