using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RenderFarm.Coordinator.Tests.Support;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RenderFarm.Coordinator.Tests.Observability;

/// <summary><c>grpc.health.v1</c> over the test server, through the coordinator's life.</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private Health.HealthClient Health => new(_farm.Channel);

    [Theory]
    [InlineData("")]
    [InlineData("renderfarm.v1.JobService")]
    [InlineData("renderfarm.v1.AgentService")]
    [InlineData("renderfarm.v1.FarmService")]
    public async Task Check_Started_Serving(string service)
    {
        var response = await Health.CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Health.CheckAsync(new HealthCheckRequest { Service = "renderfarm.v1.NoSuchService" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Check_StoppingSignalled_NotServingForEveryService()
    {
        _farm.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        foreach (var service in new[] { "", "renderfarm.v1.JobService", "renderfarm.v1.AgentService", "renderfarm.v1.FarmService" })
        {
            Assert.Equal(ServingStatus.NotServing, (await Health.CheckAsync(new HealthCheckRequest { Service = service })).Status);
        }
    }

    [Fact]
    public async Task Watch_StoppingSignalled_StreamsServingThenNotServing()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = Health.Watch(new HealthCheckRequest { Service = "renderfarm.v1.JobService" }, cancellationToken: cts.Token);
        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);

        _farm.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.True(await watch.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);
    }
}
