using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RenderFarm.Cli.App;

namespace RenderFarm.Cli.Tests.Support;

/// <summary>Runs farmctl in-process against a fake coordinator hosted on TestServer (no ports, no processes).</summary>
public sealed class FarmctlHarness : IAsyncLifetime
{
    /// <summary>The working directory farmctl sees; relative paths resolve against it.</summary>
    public const string CurrentDirectory = "/media/project";

    private WebApplication? _app;

    public FakeCoordinator Farm { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Farm);
        _app = builder.Build();
        _app.MapGrpcService<FakeJobService>();
        _app.MapGrpcService<FakeFarmService>();
        await _app.StartAsync();
    }

    public Task<FarmctlResult> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    public async Task<FarmctlResult> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var server = _app!.GetTestServer();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new FarmctlEnvironment
        {
            Out = stdout,
            Error = stderr,
            CurrentDirectory = CurrentDirectory,
            GetEnvironmentVariable = _ => null,
            CreateChannel = _ => GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.CreateHandler() }),
            Time = new UtcTimeProvider(),
        };
        var exitCode = await FarmctlApp.RunAsync(args, environment, cancellationToken);
        return new FarmctlResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
