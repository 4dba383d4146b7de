using Microsoft.Extensions.Options;
using Prometheus;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Guest;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Transfer;

namespace RenderFarm.Agent.Observability;

/// <summary>
/// Serves <c>/metrics</c> on <c>Agent:MetricsHost</c>:<c>Agent:MetricsPort</c> (off while the port is 0, the default;
/// loopback unless the host is widened), and sets the gauges from the runner, the guest rules and the cache just
/// before each scrape.
/// </summary>
public sealed partial class AgentMetricsServer(
    AgentMetrics metrics,
    AttemptRunner runner,
    GuestGuard guest,
    IOptions<AgentOptions> options,
    ILogger<AgentMetricsServer> logger,
    BlobCache? cache = null) : IHostedService
{
    private MetricServer? _server;

    /// <summary>The port it listens on (0 while off).</summary>
    public int Port { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.MetricsPort == 0) return Task.CompletedTask;
        metrics.Registry.AddBeforeCollectCallback(Refresh);
        _server = new MetricServer(o.MetricsHost, o.MetricsPort, "metrics/", metrics.Registry);
        _server.Start();
        Port = o.MetricsPort;
        Log.Serving(logger, o.MetricsHost, o.MetricsPort);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.StopAsync();
    }

    private void Refresh()
    {
        metrics.Slots.Set(options.Value.Slots);
        metrics.BusySlots.Set(runner.RunningAttemptIds.Count);
        var availability = guest.Current;
        metrics.Away.Set(availability.AwayReason.Length > 0 ? 1 : 0);
        metrics.OwnerPresent.Set(guest.OwnerPresent ? 1 : 0);
        metrics.PausedAttempts.Set(availability.PausedAttemptIds.Count);
        if (cache is not null)
        {
            metrics.CacheBytes.Set(cache.UsedBytes);
            metrics.CacheBlobs.Set(cache.Hashes.Count);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Serving Prometheus metrics at http://{Host}:{Port}/metrics")]
        public static partial void Serving(ILogger logger, string host, int port);
    }
}
