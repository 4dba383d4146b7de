using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RenderFarm.Coordinator.Observability;

/// <summary>The health check behind every service name the gRPC health service answers for.</summary>
public sealed class ServingHealthCheck(ServingState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsServing ? HealthCheckResult.Healthy(state.Description) : HealthCheckResult.Unhealthy(state.Description));
}
