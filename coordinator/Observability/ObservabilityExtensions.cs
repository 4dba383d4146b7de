using Prometheus;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Observability;

/// <summary>Health (<c>grpc.health.v1</c>) and Prometheus metrics (<c>/metrics</c>).</summary>
public static class ObservabilityExtensions
{
    /// <summary>The names the health service answers for besides "" (the whole coordinator).</summary>
    public static IReadOnlyList<string> HealthServiceNames { get; } =
        [JobService.Descriptor.FullName, AgentService.Descriptor.FullName, FarmService.Descriptor.FullName];

    public static IServiceCollection AddFarmObservability(this IServiceCollection services)
    {
        services.AddSingleton<ServingState>();
        services.AddHostedService(sp => sp.GetRequiredService<ServingState>());
        services.AddGrpcHealthChecks(o =>
        {
            foreach (var name in HealthServiceNames) o.Services.Map(name, _ => true);
        }).AddCheck<ServingHealthCheck>("serving");

        services.AddSingleton<FarmMetrics>();
        services.AddSingleton<FarmGauges>();
        return services;
    }

    public static WebApplication MapFarmObservability(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();

        var metrics = app.Services.GetRequiredService<FarmMetrics>();
        metrics.Registry.AddBeforeCollectCallback(app.Services.GetRequiredService<FarmGauges>().RefreshAsync);
        app.MapMetrics("/metrics", metrics.Registry);
        return app;
    }
}
