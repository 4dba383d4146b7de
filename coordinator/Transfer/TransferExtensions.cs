using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RenderFarm.Coordinator.Api;
using RenderFarm.Protos.Transfer;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>Transfer mode: blobs by hash down to agents without shared storage, outputs back up.</summary>
public static class TransferExtensions
{
    public static IServiceCollection AddFarmTransfer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TransferOptions>().Bind(configuration.GetSection(TransferOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TransferMetrics>();
        services.AddSingleton<TransferBandwidth>();
        services.AddSingleton<TransferFaults>();
        services.AddSingleton<TransferLeases>();
        services.AddSingleton<BlobIndex>();
        services.AddSingleton<BlobServer>();
        services.AddSingleton<OutputUploads>();
        services.AddSingleton<UploadProbe>();
        services.AddSingleton<TransferPlanner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<TransferGrpcService>, TransferMethodProvider>());
        services.AddOptions<ChunkPieceOptions>().Bind(configuration.GetSection(ChunkPieceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ChunkPieces>();
        services.AddGrpc().AddServiceOptions<TransferGrpcService>(o => o.MaxReceiveMessageSize = TransferLimits.MaxMessageBytes);

        // HTTP/2 windows large enough for several chunks in flight on one stream: with Kestrel's defaults
        // (1 MiB per connection, 768 KiB per stream) an upload waits for a window update after every chunk.
        services.Configure<KestrelServerOptions>(o =>
        {
            o.Limits.Http2.InitialConnectionWindowSize = Math.Max(o.Limits.Http2.InitialConnectionWindowSize, 32 * 1024 * 1024);
            o.Limits.Http2.InitialStreamWindowSize = Math.Max(o.Limits.Http2.InitialStreamWindowSize, 16 * 1024 * 1024);
        });
        return services;
    }

    public static WebApplication MapFarmTransfer(this WebApplication app)
    {
        app.MapGrpcService<TransferGrpcService>();
        return app;
    }
}
