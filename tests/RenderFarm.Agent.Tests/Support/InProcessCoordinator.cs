using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RenderFarm.Agent.Tests.Support;

/// <summary>A stand-in coordinator service served in process over real gRPC (the test server's handler), and a channel to it.</summary>
public sealed class InProcessCoordinator : IAsyncDisposable
{
    private readonly WebApplication _server;

    private InProcessCoordinator(WebApplication server, GrpcChannel channel) => (_server, Channel) = (server, channel);

    public GrpcChannel Channel { get; }

    /// <summary>Serves <paramref name="service"/> (a gRPC service instance) and opens a channel to it.</summary>
    public static async Task<InProcessCoordinator> StartAsync<TService>(TService service)
        where TService : class
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var server = builder.Build();
        server.MapGrpcService<TService>();
        await server.StartAsync();
        return new InProcessCoordinator(server, GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = server.GetTestServer().CreateHandler() }));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _server.DisposeAsync();
    }
}
