using Grpc.Core;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>
/// TransferService over gRPC: blobs down, outputs up, for agents in transfer mode. Bound by
/// <see cref="TransferMethodProvider"/> rather than the generated base class, so uploaded chunks are read into
/// pooled buffers (<see cref="UploadChunk"/>); the wire format is the generated one.
/// </summary>
public sealed class TransferGrpcService(BlobServer blobs, OutputUploads uploads) : TransferServiceDefinition.ServiceBase
{
    public Task DownloadBlob(DownloadBlobRequest request, IServerStreamWriter<DownloadBlobResponse> responseStream, ServerCallContext context)
    {
        RequireSameAgent(context, request.AgentId);
        return Guard(context, () => blobs.ServeAsync(request, r => responseStream.WriteAsync(r, context.CancellationToken), context.CancellationToken));
    }

    public Task<GetUploadStatusResponse> GetUploadStatus(GetUploadStatusRequest request, ServerCallContext context)
    {
        RequireSameAgent(context, request.AgentId);
        return Guard(context, () => uploads.StatusAsync(request, context.CancellationToken));
    }

    public Task<UploadOutputResponse> UploadOutput(IAsyncStreamReader<UploadChunk> requestStream, ServerCallContext context) =>
        Guard(context, () => uploads.ReceiveAsync(requestStream, context.CancellationToken));

    /// <summary>Refuses a request that names another agent than the one the caller's credential belongs to.</summary>
    private static void RequireSameAgent(ServerCallContext context, string agentId)
    {
        if (Caller.Of(context) is { IsAgent: true } caller && caller.Name != agentId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"agent_id: this credential belongs to agent '{caller.Name}', not '{agentId}'"));
        }
    }

    private static async Task Guard(ServerCallContext context, Func<Task> call) => await Guard(context, async () =>
    {
        await call();
        return true;
    });

    private static async Task<T> Guard<T>(ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (TransferRefusedException refused)
        {
            throw new RpcException(new Status(refused.Status, refused.Message));
        }
        catch (TransferCutException)
        {
            context.GetHttpContext().Abort();
            throw new RpcException(new Status(StatusCode.Unavailable, "the transfer stream was cut"));
        }
        catch (FileNotFoundException missing)
        {
            throw new RpcException(new Status(StatusCode.NotFound, missing.Message));
        }
    }
}
