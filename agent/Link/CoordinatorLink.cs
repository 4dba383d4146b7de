using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Hosting;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Dials the coordinator and keeps one Connect stream open. When the stream drops, it reconnects after a jittered,
/// growing wait (<see cref="ReconnectBackoff"/>) that starts small again after a healthy session, for as long as the
/// agent runs and its outbox is open; renders carry on meanwhile. A link that goes silent without closing is found by
/// the channel's HTTP/2 keepalive pings (<see cref="AgentOptions.KeepAlivePingDelay"/>), which end the stream.
/// </summary>
public sealed class CoordinatorLink(
    GrpcChannel channel,
    LinkSession session,
    AgentOutbox outbox,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<CoordinatorLink> logger) : BackgroundService
{
    /// <summary>The first wait before dialling again, before jitter.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var backoff = new ReconnectBackoff(FirstDelay, o.ReconnectMaxDelay, o.ReconnectBackoffResetAfter, time);
        var client = new AgentService.AgentServiceClient(channel);
        while (!stoppingToken.IsCancellationRequested && !outbox.IsClosed)
        {
            string reason;
            try
            {
                await session.RunAsync(client, stoppingToken);
                reason = "the coordinator closed the stream";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!outbox.IsClosed)
            {
                reason = ex.Message;
            }
            catch (Exception ex) when (ex is Grpc.Core.RpcException or IOException or OperationCanceledException or HttpRequestException)
            {
                // The agent is stopping and has said all it will say.
                return;
            }

            if (outbox.IsClosed) return;
            var delay = backoff.Next(session.WelcomedAt);
            Log.Reconnecting(logger, o.Coordinator, delay, reason);
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
