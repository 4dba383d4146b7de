using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// The coordinator as a real process on a fixed loopback port with a data folder that outlives it, so a test can
/// kill -9 it and start it again on the same port and database.
/// </summary>
public sealed class CoordinatorProcess(string dataDir, string mediaDir, string workDir, CoordinatorSettings settings, FarmLog log, string name = "coordinator") : IDisposable
{
    private ServiceProcess? _process;
    private int _runs;

    public int Port { get; } = FreePort.Next();

    /// <summary>The farm's enrollment token and operator key, given to every run of the process through its environment.</summary>
    public FarmCredentials Credentials { get; init; } = new();

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>The Prometheus endpoint's port, kept with the process across restarts.</summary>
    public int MetricsPort { get; } = FreePort.Next();

    public CoordinatorSettings Settings => settings;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Lines the coordinator printed, across restarts.</summary>
    public IEnumerable<string> Lines => Enumerable.Range(1, _runs).SelectMany(r => log.LinesOf(NameOf(r)));

    /// <summary>Starts the process and waits until it answers gRPC; returns how long that took.</summary>
    public async Task<TimeSpan> StartAsync(GrpcChannel channel, TimeSpan? timeout = null)
    {
        if (IsRunning) throw new InvalidOperationException("the coordinator is already running");
        var started = Stopwatch.StartNew();
        _runs++;
        _process = ServiceProcess.Start(NameOf(_runs), BuildLayout.CoordinatorDll, Arguments(), workDir, log, Credentials.CoordinatorEnvironment);
        var farm = new FarmService.FarmServiceClient(channel);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the coordinator exited during start-up:\n{string.Join('\n', _process.Lines)}");
            try
            {
                await farm.ListAgentsAsync(new ListAgentsRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: cts.Token);
                log.Add(NameOf(_runs), $"<answering gRPC after {started.Elapsed.TotalSeconds:0.000} s>");
                return started.Elapsed;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
            {
                await Task.Delay(50, cts.Token);
            }
        }
    }

    /// <summary>kill -9: no shutdown hooks run, the database is left as a crash leaves it.</summary>
    public void Kill() => _process?.Kill();

    private string NameOf(int run) => run == 1 ? name : $"{name}#{run}";

    private IEnumerable<string> Arguments() => settings.PostgresConnectionString is { } postgres
        ? [.. CommonArguments(), "--Store:Provider=Postgres", $"--Store:ConnectionString={postgres}", "--Store:ClusterCheckinInterval=00:00:01"]
        : CommonArguments();

    private IEnumerable<string> CommonArguments() =>
    [
        $"--Kestrel:Endpoints:Grpc:Url={Address}",
        $"--Kestrel:Endpoints:Metrics:Url=http://127.0.0.1:{MetricsPort}",
        $"--Coordinator:DataDirectory={dataDir}",
        $"--Coordinator:MediaRoots:media={mediaDir}",
        $"--Coordinator:LeaseDuration={Span(settings.LeaseDuration)}",
        $"--Coordinator:HeartbeatInterval={Span(settings.HeartbeatInterval)}",
        $"--Coordinator:LeaseSweepInterval={Span(settings.LeaseSweepInterval)}",
        $"--Coordinator:RetryBaseDelay={Span(settings.RetryBaseDelay)}",
        $"--Coordinator:RetryMaxDelay={Span(settings.RetryMaxDelay)}",
        $"--Coordinator:DefaultMaxRetries={settings.DefaultMaxRetries.ToString(CultureInfo.InvariantCulture)}",
        $"--Coordinator:Chunking:MinInputDuration={Span(settings.ChunkMinInputDuration)}",
        .. settings.ExtraArguments,
    ];

    private static string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    public void Dispose() => _process?.Dispose();
}
