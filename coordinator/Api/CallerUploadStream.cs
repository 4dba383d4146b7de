using Grpc.Core;
using RenderFarm.Protos.Transfer;

namespace RenderFarm.Coordinator.Api;

/// <summary>
/// An upload's messages as <see cref="Transfer.OutputUploads"/> reads them, each checked as it arrives: it must name
/// the calling agent (PermissionDenied otherwise) and the attempt the first message named (InvalidArgument
/// otherwise). A refused message is released and ends the stream before any of its bytes are used; a message that
/// does not parse (a field too long, the wrong wire type) is InvalidArgument rather than an error of the handler.
/// </summary>
public sealed class CallerUploadStream(IAsyncStreamReader<UploadChunk> inner, string caller) : IAsyncStreamReader<UploadChunk>
{
    private string? _attemptId;

    public UploadChunk Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        try
        {
            if (!await inner.MoveNext(cancellationToken)) return false;
        }
        catch (InvalidDataException malformed)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{malformed.Message}: send UploadOutputRequest messages as transfer_service.proto defines them"));
        }

        var message = inner.Current;
        if (message.AgentId != caller)
        {
            message.Dispose();
            throw TransferGrpcService.NotTheCaller(caller, message.AgentId);
        }

        _attemptId ??= message.AttemptId;
        if (message.AttemptId != _attemptId)
        {
            message.Dispose();
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"attempt_id: every message of an upload must name the attempt its first message named ('{_attemptId}'), not '{message.AttemptId}'; upload each attempt's output on its own stream"));
        }

        return true;
    }
}
