using Grpc.Core;

namespace RenderFarm.Coordinator.Security;

/// <summary>A refusal for reasons of identity or permission, with the gRPC status it leaves as.</summary>
public sealed class AccessDeniedException(StatusCode status, string message) : Exception(message)
{
    public StatusCode Status { get; } = status;

    public RpcException ToRpc() => new(new Status(Status, Message));
}
