using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Routing;
using RenderFarm.Protos.Transfer;

namespace RenderFarm.Coordinator.Api;

/// <summary>Binds <see cref="TransferGrpcService"/> to the methods of <see cref="TransferMethods"/> (uploads read into pooled buffers).</summary>
public sealed class TransferMethodProvider : IServiceMethodProvider<TransferGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TransferGrpcService> context)
    {
        context.AddServerStreamingMethod(TransferMethods.DownloadBlob, Metadata(), (service, request, stream, call) => service.DownloadBlob(request, stream, call));
        context.AddUnaryMethod(TransferMethods.GetUploadStatus, Metadata(), (service, request, call) => service.GetUploadStatus(request, call));
        context.AddClientStreamingMethod(TransferMethods.UploadOutputPooled, Metadata(), (service, requests, call) => service.UploadOutput(requests, call));
    }

    /// <summary>What a generated binding attaches to each method: POST only.</summary>
    private static List<object> Metadata() => [new HttpMethodMetadata(["POST"], acceptCorsPreflight: true)];
}

/// <summary>
/// Lets server reflection describe TransferService: it reads a static <c>Descriptor</c> from the class that
/// declares a service's base class, as generated services have.
/// </summary>
public static class TransferServiceDefinition
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => Protos.V1.TransferService.Descriptor;

    public abstract class ServiceBase;
}
