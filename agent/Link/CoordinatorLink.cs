using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Hosting;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Dials the coordinator and keeps one Connect stream open. When the stream drops, it reconnects after a jittered,
/// growing wait (<see cref="ReconnectBackoff"/>) that starts small again after a healthy session, for as long as the
/// agent runs and its outbox is open; renders carry on meanwhile. A link that goes silent without closing is found by
/// the channel's HTTP/2 keepalive pings (<see cref="AgentOptions.KeepAlivePingDelay"/>), which end the stream. A refusal
/// that waiting does not mend (<see cref="LinkRefusal"/>) is logged once with what to do and retried only every
/// <see cref="AgentOptions.RefusedRetryDelay"/>, or stops the agent (<see cref="AgentOptions.ExitOnRefusal"/>).
/// </summary>
public sealed class CoordinatorLink(
    GrpcChannel channel,
    LinkSession session,
    AgentOutbox outbox,
    IOptions<AgentOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<CoordinatorLink> logger) : BackgroundService
{
    /// <summary>The exit code when the agent stops after a refusal (<see cref="AgentOptions.ExitOnRefusal"/>).</summary>
    public const int RefusedExitCode = 3;

    /// <summary>The first wait before dialling again, before jitter.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var backoff = new ReconnectBackoff(FirstDelay, o.ReconnectMaxDelay, o.ReconnectBackoffResetAfter, time);
        var client = new AgentService.AgentServiceClient(channel);
        string? lastRefusal = null;
        while (!stoppingToken.IsCancellationRequested && !outbox.IsClosed)
        {
            string reason;
            string? refusal = null;
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
                refusal = LinkRefusal.Advice(ex, o);
            }
            catch (Exception ex) when (ex is Grpc.Core.RpcException or IOException or OperationCanceledException or HttpRequestException)
            {
                // The agent is stopping and has said all it will say.
                return;
            }

            if (outbox.IsClosed) return;
            TimeSpan delay;
            if (refusal is not null)
            {
                if (o.ExitOnRefusal)
                {
                    Log.RefusedExiting(logger, o.Coordinator, refusal);
                    Environment.ExitCode = RefusedExitCode;
                    lifetime.StopApplication();
                    return;
                }

                // Once per distinct refusal: the same one every few minutes would bury the logs without news.
                delay = o.RefusedRetryDelay;
                if (refusal != lastRefusal) Log.Refused(logger, o.Coordinator, delay, refusal);
            }
            else
            {
                delay = backoff.Next(session.WelcomedAt);
                Log.Reconnecting(logger, o.Coordinator, delay, reason);
            }

            lastRefusal = refusal;
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
