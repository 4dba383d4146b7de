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
        services.AddSingleton<TransferPlanner>();
        services.AddGrpc().AddServiceOptions<TransferGrpcService>(o => o.MaxReceiveMessageSize = TransferLimits.MaxMessageBytes);
        return services;
    }

    public static WebApplication MapFarmTransfer(this WebApplication app)
    {
        app.MapGrpcService<TransferGrpcService>();
        return app;
    }
}
