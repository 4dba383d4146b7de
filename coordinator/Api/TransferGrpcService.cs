using Grpc.Core;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>
/// TransferService over gRPC: blobs down, outputs up, for agents in transfer mode. Bound by
/// <see cref="TransferMethodProvider"/> rather than the generated base class, so uploaded chunks are read into
/// pooled buffers (<see cref="UploadChunk"/>); the wire format is the generated one. Every method acts only for
/// the calling agent: a request (or any message of an upload) that names another agent is PermissionDenied before
/// anything is read, written or published; the attempt it names must then be that agent's live lease.
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

    public Task<UploadOutputResponse> UploadOutput(IAsyncStreamReader<UploadChunk> requestStream, ServerCallContext context)
    {
        var caller = RequireAgent(context);
        return Guard(context, () => uploads.ReceiveAsync(new CallerUploadStream(requestStream, caller), context.CancellationToken));
    }

    /// <summary>Refuses a request that names another agent than the one the caller's credential belongs to.</summary>
    private static void RequireSameAgent(ServerCallContext context, string agentId)
    {
        var caller = RequireAgent(context);
        if (caller != agentId) throw NotTheCaller(caller, agentId);
    }

    /// <summary>The calling agent's name; refuses a call that carries no agent credential (the access interceptor admits none).</summary>
    private static string RequireAgent(ServerCallContext context) =>
        Caller.Of(context) is { IsAgent: true } caller
            ? caller.Name
            : throw new RpcException(new Status(StatusCode.PermissionDenied, "TransferService is for enrolled agents: call it with the agent's own credential"));

    internal static RpcException NotTheCaller(string caller, string agentId) =>
        new(new Status(StatusCode.PermissionDenied, $"agent_id: this credential belongs to agent '{caller}', not '{agentId}'; an agent may move bytes only for its own attempts"));

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
