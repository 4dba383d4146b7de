using Grpc.Core;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Security;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>
/// AgentService over gRPC: each agent's stream is run by an <see cref="AgentConnection"/>, under the name its
/// credential was issued to (its hello must use that name, and every report on the stream is fenced by it).
/// </summary>
public sealed class AgentGrpcService(AgentConnection connection) : AgentService.AgentServiceBase
{
    public override Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
    {
        var agent = Caller.Of(context) is { IsAgent: true } caller
            ? caller.Name
            : throw new RpcException(new Status(StatusCode.PermissionDenied, "the agent stream is for enrolled agents: connect with the agent's own credential"));
        return connection.RunAsync(requestStream, responseStream, agent, context.CancellationToken);
    }
}
