using Grpc.AspNetCore.HealthChecks;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using RenderFarm.Coordinator.Observability;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RenderFarm.Coordinator.Tests.Observability;

/// <summary>The serving state through a host's life, driven by a hand-held lifetime.</summary>
public sealed class ServingStateTests
{
    private readonly Lifetime _lifetime = new();
    private readonly HealthServiceImpl _health = new();
    private readonly ServingState _state;
    private readonly ServingHealthCheck _check;

    public ServingStateTests()
    {
        var options = new GrpcHealthChecksOptions();
        options.Services.Map("", _ => true);
        options.Services.Map("renderfarm.v1.JobService", _ => true);
        _state = new ServingState(_lifetime, _health, Microsoft.Extensions.Options.Options.Create(options));
        _check = new ServingHealthCheck(_state);
    }

    [Fact]
    public async Task Check_BeforeHostStarted_UnhealthyAndNotServing()
    {
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync()).Status);

        await _state.StartAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync()).Status);
        Assert.Equal("the coordinator is starting", (await CheckAsync()).Description);
        Assert.Equal(ServingStatus.NotServing, await PublishedAsync("renderfarm.v1.JobService"));
    }

    [Fact]
    public async Task Check_AfterStarted_HealthyAndServing()
    {
        await _state.StartAsync(CancellationToken.None);

        _lifetime.Started.Cancel();

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
        Assert.Equal(ServingStatus.Serving, await PublishedAsync(""));
        Assert.Equal(ServingStatus.Serving, await PublishedAsync("renderfarm.v1.JobService"));
    }

    [Fact]
    public async Task Check_AfterStopping_UnhealthyAndNotServing()
    {
        await _state.StartAsync(CancellationToken.None);
        _lifetime.Started.Cancel();

        _lifetime.Stopping.Cancel();

        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync()).Status);
        Assert.Equal("the coordinator is stopping", (await CheckAsync()).Description);
        Assert.Equal(ServingStatus.NotServing, await PublishedAsync(""));
    }

    private Task<HealthCheckResult> CheckAsync() => _check.CheckHealthAsync(new HealthCheckContext());

    private async Task<ServingStatus> PublishedAsync(string service) =>
        (await _health.Check(new HealthCheckRequest { Service = service }, null!)).Status;

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();
        public CancellationTokenSource Stopping { get; } = new();
        public CancellationToken ApplicationStarted => Started.Token;
        public CancellationToken ApplicationStopping => Stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Stopping.Cancel();
    }
}
