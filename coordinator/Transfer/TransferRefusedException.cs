using Grpc.Core;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>A transfer call that cannot go ahead, with the status and a message that says what to do.</summary>
public sealed class TransferRefusedException(StatusCode status, string message) : Exception(message)
{
    public StatusCode Status { get; } = status;
}
