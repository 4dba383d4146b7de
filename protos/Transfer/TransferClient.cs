using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// The agent's side of <c>TransferService</c>: the generated client's calls, except that downloaded chunks
/// arrive in pooled buffers (<see cref="DownloadChunk"/>; dispose each one when its bytes are written).
/// </summary>
public sealed class TransferClient(CallInvoker invoker)
{
    public AsyncServerStreamingCall<DownloadChunk> DownloadBlob(DownloadBlobRequest request, CancellationToken cancellationToken = default) =>
        invoker.AsyncServerStreamingCall(TransferMethods.DownloadBlobPooled, null, new CallOptions(cancellationToken: cancellationToken), request);

    public AsyncUnaryCall<GetUploadStatusResponse> GetUploadStatusAsync(GetUploadStatusRequest request, CancellationToken cancellationToken = default) =>
        invoker.AsyncUnaryCall(TransferMethods.GetUploadStatus, null, new CallOptions(cancellationToken: cancellationToken), request);

    public AsyncClientStreamingCall<UploadOutputRequest, UploadOutputResponse> UploadOutput(CancellationToken cancellationToken = default) =>
        invoker.AsyncClientStreamingCall(TransferMethods.UploadOutput, null, new CallOptions(cancellationToken: cancellationToken));
}
