using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Dials the coordinator and keeps one Connect stream open. When the stream drops, it reconnects with
/// exponential backoff and jitter (Polly) for as long as the agent runs and its outbox is open; renders
/// carry on meanwhile.
/// </summary>
public sealed class CoordinatorLink(
    GrpcChannel channel,
    LinkSession session,
    AgentOutbox outbox,
    IOptions<AgentOptions> options,
    ILogger<CoordinatorLink> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconnect = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => !outbox.IsClosed && (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = options.Value.ReconnectMaxDelay,
                OnRetry = args =>
                {
                    Log.Reconnecting(logger, options.Value.Coordinator, args.RetryDelay, args.Outcome.Exception?.Message ?? "stream ended");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        var client = new AgentService.AgentServiceClient(channel);
        while (!stoppingToken.IsCancellationRequested && !outbox.IsClosed)
        {
            try
            {
                await reconnect.ExecuteAsync(async token =>
                {
                    await session.RunAsync(client, token);
                    if (!outbox.IsClosed) throw new RpcException(new Status(StatusCode.Unavailable, "the coordinator closed the stream"));
                }, stoppingToken);
            }
            catch (Exception ex) when (outbox.IsClosed && ex is RpcException or IOException or OperationCanceledException or HttpRequestException)
            {
                // The agent is stopping and has said all it will say.
            }
        }
    }
}
