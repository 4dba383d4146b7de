using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Watching;

/// <summary>
/// One WatchFarm stream: the snapshot at sequence S, then the events S+1, S+2, ... as the hub appends them,
/// written by this one writer. A subscriber that cannot keep up is ended with RESOURCE_EXHAUSTED; every
/// stream ends with UNAVAILABLE when the coordinator begins to stop, so shutdown never waits on watchers.
/// A write that waits on a stalled client is not aborted when the subscriber is cut off (that would reset
/// the stream and lose the status): the hub no longer feeds it, so it holds at most what HTTP/2 flow
/// control lets through, and the client reads the status once it reads again.
/// </summary>
public sealed class FarmWatch(
    FarmEventHub hub,
    FarmStatus status,
    IOptions<FarmWatchOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<FarmWatch> logger)
{
    public const string FellBehindMessage = "fell behind; re-join for a fresh snapshot";
    public const string StoppingMessage = "the coordinator is stopping; re-join when it is back";

    public async Task RunAsync(IServerStreamWriter<FarmEvent> stream, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            await hub.Ready.WaitAsync(stopping.Token);
            await StreamAsync(stream, stopping.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, StoppingMessage));
        }
    }

    private async Task StreamAsync(IServerStreamWriter<FarmEvent> stream, CancellationToken cancellationToken)
    {
        using var subscription = hub.Subscribe();
        var snapshot = subscription.Snapshot;
        snapshot.Stats = await status.GetQueueStatsAsync(cancellationToken);
        await stream.WriteAsync(new FarmEvent
        {
            Sequence = subscription.Sequence,
            Time = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Snapshot = snapshot,
        }, cancellationToken);

        await foreach (var farmEvent in subscription.Events.ReadAllAsync(cancellationToken))
        {
            if (subscription.FellBehind) break;
            await stream.WriteAsync(farmEvent, cancellationToken);
        }

        if (subscription.FellBehind)
        {
            Log.SubscriberCutOff(logger, options.Value.SubscriberBuffer);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, FellBehindMessage));
        }
    }
}
