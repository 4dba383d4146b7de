using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RenderFarm.Agent.Hosting;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>
/// A real coordinator on the ASP.NET Core test server (real SQLite, real Quartz), and real agents talking
/// to it over gRPC through the server's handler. Restart keeps the data folder.
/// </summary>
public sealed class FarmHost : IAsyncDisposable
{
    private readonly List<IHost> _agents = [];
    private readonly Dictionary<string, string?> _settings = [];
    private WebApplication? _coordinator;

    public string Root { get; } = Directory.CreateTempSubdirectory("rf-farm-").FullName;
    public string MediaDir => Path.Combine(Root, "media");
    public string DataDir => Path.Combine(Root, "data");
    /// <summary>The farm's enrollment token and operator key; <see cref="Channel"/> carries the operator key.</summary>
    public FarmCredentials Credentials { get; private init; } = new();

    /// <summary>A channel to the coordinator whose calls carry the operator key.</summary>
    public GrpcChannel Channel { get; private set; } = null!;
    public JobService.JobServiceClient Jobs => new(Channel);
    public FarmService.FarmServiceClient Farm => new(Channel);
    public IServiceProvider Services => _coordinator!.Services;

    /// <summary>A plain HTTP client on the test server (for <c>/metrics</c>).</summary>
    public HttpClient CreateHttpClient() => _coordinator!.GetTestServer().CreateClient();

    /// <summary>Starts a coordinator; <paramref name="settings"/> add to or override its configuration.</summary>
    /// <param name="credentials">Another host's credentials, for a second coordinator of the same farm.</param>
    public static async Task<FarmHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, FarmCredentials? credentials = null)
    {
        var host = new FarmHost { Credentials = credentials ?? new FarmCredentials() };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) host._settings[key] = value;
        Directory.CreateDirectory(host.MediaDir);
        await host.StartCoordinatorAsync();
        return host;
    }

    /// <summary>Sets a coordinator setting for its next start (<see cref="StartCoordinatorAsync"/> after a stop).</summary>
    public void Configure(string key, string? value) => _settings[key] = value;

    public async Task StartCoordinatorAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coordinator:DataDirectory"] = DataDir,
            ["Coordinator:MediaRoots:media"] = MediaDir,
            ["Coordinator:LeaseSweepInterval"] = "00:00:01",
            ["Coordinator:RetryBaseDelay"] = "00:00:01",
        });
        builder.Configuration.AddInMemoryCollection(Credentials.CoordinatorSettings);
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Services.AddCoordinator(builder.Configuration);
        _coordinator = builder.Build();
        _coordinator.MapCoordinator();
        await _coordinator.StartAsync();
        Channel = CreateChannel(Credentials.OperatorKey);
    }

    /// <summary>A channel to the coordinator whose calls carry <paramref name="key"/>, or no key at all.</summary>
    public GrpcChannel CreateChannel(string? key) => FarmCredentials.Channel("http://localhost", key, _coordinator!.GetTestServer().CreateHandler());

    /// <summary>Issues an API key through AccessService (as the operator).</summary>
    public async Task<string> CreateKeyAsync(string name, Role role) =>
        (await new AccessService.AccessServiceClient(Channel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = name, Role = role })).Key;

    /// <summary>Where an agent started by this host keeps its credential.</summary>
    public string CredentialFile(string agentName) => Path.Combine(Root, "agents", agentName, "agent.credential");

    /// <summary>Stops the coordinator as a crash would look to its clients; the data folder stays.</summary>
    public async Task StopCoordinatorAsync()
    {
        Channel.Dispose();
        await _coordinator!.StopAsync();
        await _coordinator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public Task<IHost> StartAgentAsync(string name, int slots = 1) => StartAgentAsync(name, slots, null);

    /// <summary>Starts an agent; <paramref name="settings"/> add to or override its configuration.</summary>
    public async Task<IHost> StartAgentAsync(string name, int slots, IReadOnlyDictionary<string, string?>? settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Name"] = name,
            ["Agent:Slots"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent:MediaRoots:media"] = MediaDir,
            ["Agent:DataDirectory"] = Path.Combine(Root, "agents", name),
            ["Agent:ProgressRate"] = "10",
            ["Agent:RenderDirectory"] = Path.Combine(Root, "agents", name, "renders"),
        });
        builder.Configuration.AddInMemoryCollection(Credentials.AgentSettings(CredentialFile(name)));
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Services.AddAgent(builder.Configuration, CreateChannel(null));
        var agent = builder.Build();
        await agent.StartAsync();
        _agents.Add(agent);
        await WaitUntilAsync(async () => (await Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Any(a => a.Name == name && a.State != AgentState.Disconnected), TimeSpan.FromSeconds(20));
        return agent;
    }

    public async Task<Job> WaitForJobAsync(string jobId, Func<Job, bool> condition, TimeSpan timeout)
    {
        Job job = null!;
        await WaitUntilAsync(async () => condition(job = (await Jobs.GetJobAsync(new GetJobRequest { JobId = jobId })).Job), timeout);
        return job;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>A host that did not stop within the timeout throws its services' cancellations, sometimes aggregated.</summary>
    private static bool IsStopTimeout(Exception ex) =>
        ex is OperationCanceledException || (ex is AggregateException a && a.InnerExceptions.All(e => e is OperationCanceledException));

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            try { await agent.StopAsync(TimeSpan.FromSeconds(5)); } catch (Exception ex) when (IsStopTimeout(ex)) { }
            agent.Dispose();
        }

        if (_coordinator is not null)
        {
            try { await _coordinator.StopAsync(); } catch (ObjectDisposedException) { }
            await _coordinator.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
