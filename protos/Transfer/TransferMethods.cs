using Google.Protobuf;
using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// The methods of <c>renderfarm.v1.TransferService</c>, as in transfer_service.proto, with the receiving side of
/// each chunk stream reading into pooled buffers (<see cref="DownloadChunk"/>, <see cref="UploadChunk"/>). The
/// bytes on the wire are those of the generated messages, so either end may use the generated stubs.
/// </summary>
public static class TransferMethods
{
    public static readonly string ServiceName = TransferService.Descriptor.FullName;

    private static readonly Marshaller<DownloadBlobRequest> DownloadRequest = Proto(DownloadBlobRequest.Parser);
    private static readonly Marshaller<UploadOutputResponse> UploadResponse = Proto(UploadOutputResponse.Parser);

    /// <summary>Server streaming: the coordinator sends generated messages...</summary>
    public static readonly Method<DownloadBlobRequest, DownloadBlobResponse> DownloadBlob =
        new(MethodType.ServerStreaming, ServiceName, nameof(DownloadBlob), DownloadRequest, Proto(DownloadBlobResponse.Parser));

    /// <summary>...and the agent reads them into pooled buffers.</summary>
    public static readonly Method<DownloadBlobRequest, DownloadChunk> DownloadBlobPooled =
        new(MethodType.ServerStreaming, ServiceName, nameof(DownloadBlob), DownloadRequest,
            Marshallers.Create<DownloadChunk>((chunk, context) => Write(chunk.ToMessage(), context), context => DownloadChunk.Parse(context.PayloadAsReadOnlySequence())));

    public static readonly Method<GetUploadStatusRequest, GetUploadStatusResponse> GetUploadStatus =
        new(MethodType.Unary, ServiceName, nameof(GetUploadStatus), Proto(GetUploadStatusRequest.Parser), Proto(GetUploadStatusResponse.Parser));

    /// <summary>Client streaming: the agent sends generated messages...</summary>
    public static readonly Method<UploadOutputRequest, UploadOutputResponse> UploadOutput =
        new(MethodType.ClientStreaming, ServiceName, nameof(UploadOutput), Proto(UploadOutputRequest.Parser), UploadResponse);

    /// <summary>...and the coordinator reads them into pooled buffers.</summary>
    public static readonly Method<UploadChunk, UploadOutputResponse> UploadOutputPooled =
        new(MethodType.ClientStreaming, ServiceName, nameof(UploadOutput),
            Marshallers.Create<UploadChunk>((chunk, context) => Write(chunk.ToMessage(), context), context => UploadChunk.Parse(context.PayloadAsReadOnlySequence())),
            UploadResponse);

    /// <summary>A generated message's marshaller, written straight into the call's buffer like the generated stubs do.</summary>
    private static Marshaller<T> Proto<T>(MessageParser<T> parser) where T : IMessage<T> =>
        Marshallers.Create<T>(Write, context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    private static void Write<T>(T message, SerializationContext context) where T : IMessage
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
