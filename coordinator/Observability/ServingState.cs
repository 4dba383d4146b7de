using Grpc.AspNetCore.HealthChecks;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Observability;

/// <summary>
/// Whether the coordinator takes work. It is NOT_SERVING until every hosted service has started (the store
/// initialized, Quartz running, the dispatcher listening), SERVING from then until the host begins to stop,
/// and NOT_SERVING again from the moment stopping is signalled, so a load balancer drains it before it
/// goes. Each change is pushed to the gRPC health service at once, so Watch calls see it without waiting
/// for the periodic health check publisher.
/// </summary>
public sealed class ServingState(IHostApplicationLifetime lifetime, HealthServiceImpl health, IOptions<GrpcHealthChecksOptions> options) : IHostedService
{
    private volatile bool _started;
    private volatile bool _stopping;

    public bool IsServing => _started && !_stopping;

    /// <summary>Why it is or is not serving, in words.</summary>
    public string Description => _stopping ? "the coordinator is stopping" : _started ? "serving" : "the coordinator is starting";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Publish();
        lifetime.ApplicationStarted.Register(() =>
        {
            _started = true;
            Publish();
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            _stopping = true;
            Publish();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Publish()
    {
        var status = IsServing ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
        foreach (var service in options.Value.Services)
        {
            health.SetStatus(service.Name, status);
        }
    }
}
