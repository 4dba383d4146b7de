using Grpc.Core;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>TransferService over gRPC: blobs down, outputs up, for agents in transfer mode.</summary>
public sealed class TransferGrpcService(BlobServer blobs, OutputUploads uploads) : TransferService.TransferServiceBase
{
    public override Task DownloadBlob(DownloadBlobRequest request, IServerStreamWriter<DownloadBlobResponse> responseStream, ServerCallContext context)
    {
        RequireSameAgent(context, request.AgentId);
        return Guard(context, () => blobs.ServeAsync(request, r => responseStream.WriteAsync(r, context.CancellationToken), context.CancellationToken));
    }

    public override Task<GetUploadStatusResponse> GetUploadStatus(GetUploadStatusRequest request, ServerCallContext context)
    {
        RequireSameAgent(context, request.AgentId);
        return Guard(context, () => uploads.StatusAsync(request, context.CancellationToken));
    }

    public override Task<UploadOutputResponse> UploadOutput(IAsyncStreamReader<UploadOutputRequest> requestStream, ServerCallContext context) =>
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
