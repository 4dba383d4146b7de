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

    /// <summary>The fake RecipeService and BatchService.</summary>
    public FakeEditors Editors { get; } = new();

    /// <summary>The clock and time zone farmctl sees (default: system time shown in UTC).</summary>
    public TimeProvider Time { get; set; } = new UtcTimeProvider();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Farm);
        builder.Services.AddSingleton(Editors);
        _app = builder.Build();
        _app.MapGrpcService<FakeJobService>();
        _app.MapGrpcService<FakeFarmService>();
        _app.MapGrpcService<FakeRecipeService>();
        _app.MapGrpcService<FakeBatchService>();
        _app.MapGrpcService<FakeNotificationService>();
        await _app.StartAsync();
    }

    public Task<FarmctlResult> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    public async Task<FarmctlResult> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exitCode = await FarmctlApp.RunAsync(args, Environment(stdout, stderr), cancellationToken);
        return new FarmctlResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Runs a command that goes on until Ctrl+C (top, follow) and presses Ctrl+C once <paramref name="done"/>
    /// holds for what it wrote so far, or after <paramref name="timeout"/>.
    /// </summary>
    public async Task<FarmctlResult> RunUntilAsync(Func<FarmctlResult, bool> done, TimeSpan timeout, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (outWriter, errorWriter) = (TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr));
        using var ctrlC = new CancellationTokenSource(timeout);
        var run = FarmctlApp.RunAsync(args, Environment(outWriter, errorWriter), ctrlC.Token);
        while (!run.IsCompleted && !done(Written()))
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        await ctrlC.CancelAsync();
        var exitCode = await run;
        return Written() with { ExitCode = exitCode };

        FarmctlResult Written()
        {
            lock (outWriter)
            {
                lock (errorWriter)
                {
                    return new FarmctlResult(0, stdout.ToString(), stderr.ToString());
                }
            }
        }
    }

    private FarmctlEnvironment Environment(TextWriter stdout, TextWriter stderr)
    {
        var server = _app!.GetTestServer();
        return new FarmctlEnvironment
        {
            Out = stdout,
            Error = stderr,
            CurrentDirectory = CurrentDirectory,
            GetEnvironmentVariable = _ => null,
            CreateChannel = _ => GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.CreateHandler() }),
            Time = Time,
        };
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
