using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Authentication;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Link;

/// <summary>
/// A refusal waiting does not mend (credential revoked, wrong token or name, untrusted certificate) is told apart from a
/// fault that retrying mends; through a real agent host, it is logged once with what to do and not retried every
/// few hundred milliseconds, or it stops the agent with exit code 3 when told to.
/// </summary>
public sealed class LinkRefusalTests : IAsyncLifetime
{
    private readonly TempDir _dir = new("link-refusal");
    private readonly RefusingCoordinator _coordinator = new();
    private InProcessCoordinator? _server;

    public async Task InitializeAsync() => _server = await InProcessCoordinator.StartAsync(_coordinator);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void Advice_RefusedCredentialOrName_SaysToEnrollAgain_TransientFaults_None()
    {
        var options = new AgentOptions { CredentialFile = "/var/lib/renderfarm/agent/agent.credential" };

        var revoked = LinkRefusal.Advice(new RpcException(new Status(StatusCode.Unauthenticated, "the agent credential is revoked")), options);
        var name = LinkRefusal.Advice(new RpcException(new Status(StatusCode.PermissionDenied, "hello.name: this credential belongs to agent 'ws01', not 'ws02'")), options);

        Assert.Contains("(Unauthenticated: the agent credential is revoked)", revoked);
        Assert.Contains("delete /var/lib/renderfarm/agent/agent.credential and start the agent with the farm's enrollment token", revoked);
        Assert.Contains("belongs to agent 'ws01'", name);
        Assert.Null(LinkRefusal.Advice(new RpcException(new Status(StatusCode.Unavailable, "connection refused")), options));
        Assert.Null(LinkRefusal.Advice(new RpcException(new Status(StatusCode.ResourceExhausted, "slow down")), options));
        Assert.Null(LinkRefusal.Advice(new IOException("reset"), options));
    }

    [Fact]
    public void Advice_UntrustedCertificate_SaysToGiveTheCa()
    {
        var tls = new HttpRequestException("The SSL connection could not be established", new AuthenticationException("The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot"));

        var advice = LinkRefusal.Advice(new RpcException(new Status(StatusCode.Unavailable, "Error connecting to subchannel.", tls)), new AgentOptions { CaFile = "/etc/renderfarm/ca.pem" });

        Assert.Equal(
            "the coordinator's certificate is not trusted (The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot): " +
            "give its CA with Agent:CaFile (now /etc/renderfarm/ca.pem), or check Agent:Coordinator names the coordinator's host",
            advice);
    }

    [Fact]
    public async Task Agent_CredentialRefused_LogsOnceWithWhatToDo_AndDoesNotRetryAtOnce()
    {
        _coordinator.Status = new Status(StatusCode.Unauthenticated, "the agent credential is revoked");
        var logs = new Lines();
        using var agent = BuildAgent(logs, ("Agent:RefusedRetryDelay", "01:00:00"));
        await agent.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await agent.StopAsync();

        Assert.Equal(1, _coordinator.Calls);
        var refused = Assert.Single(logs.Messages, m => m.Contains("refused this agent", StringComparison.Ordinal));
        Assert.Contains("tries again only every 01:00:00", refused);
        Assert.Contains("to enroll again", refused);
    }

    [Fact]
    public async Task Agent_CoordinatorUnavailable_RetriesSoon()
    {
        // The same agent with a fault that retrying mends: the contrast that shows the slow retry is the refusal's.
        _coordinator.Status = new Status(StatusCode.Unavailable, "starting up");
        var logs = new Lines();
        using var agent = BuildAgent(logs, ("Agent:RefusedRetryDelay", "01:00:00"));
        await agent.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await agent.StopAsync();

        Assert.True(_coordinator.Calls >= 3, $"{_coordinator.Calls} tries in 3 s");
        Assert.DoesNotContain(logs.Messages, m => m.Contains("refused this agent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_RefusedWithExitOnRefusal_StopsWithExitCode3()
    {
        _coordinator.Status = new Status(StatusCode.PermissionDenied, "hello.name: this credential belongs to agent 'ws01', not 'link-refusal'");
        var logs = new Lines();
        using var agent = BuildAgent(logs, ("Agent:ExitOnRefusal", "true"));
        var exitCode = Environment.ExitCode;
        try
        {
            await agent.StartAsync();
            var stopped = agent.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            await Task.Delay(TimeSpan.FromSeconds(20), stopped).ContinueWith(_ => { }, TaskScheduler.Default);

            Assert.True(stopped.IsCancellationRequested, "the agent did not stop");
            Assert.Equal(CoordinatorLink.RefusedExitCode, Environment.ExitCode);
            Assert.Contains(logs.Messages, m => m.Contains("Agent:ExitOnRefusal is set", StringComparison.Ordinal));
            await agent.StopAsync();
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    private IHost BuildAgent(Lines logs, params (string Key, string Value)[] settings)
    {
        Directory.CreateDirectory(_dir.File("media"));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(logs);
        var config = new Dictionary<string, string?>
        {
            ["Agent:Name"] = "link-refusal",
            ["Agent:MediaRoots:media"] = _dir.File("media"),
            ["Agent:DataDirectory"] = _dir.File("data"),
            ["Agent:ReconnectMaxDelay"] = TimeSpan.FromMilliseconds(200).ToString("c", CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings) config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddAgent(builder.Configuration, _server!.Channel);
        return builder.Build();
    }

    /// <summary>A coordinator whose Connect always ends with <see cref="Status"/>.</summary>
    private sealed class RefusingCoordinator : AgentService.AgentServiceBase
    {
        private int _calls;

        public Status Status { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public override Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
        {
            Interlocked.Increment(ref _calls);
            throw new RpcException(Status);
        }
    }

    /// <summary>Every formatted message of every logger.</summary>
    private sealed class Lines : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
