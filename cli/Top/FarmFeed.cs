using Grpc.Core;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Top;

/// <summary>
/// Keeps a <see cref="FarmModel"/> joined to WatchFarm: applies each event, and joins again for a fresh
/// snapshot when events were missed or the stream ends. Errors before the first snapshot are the caller's
/// (unreachable, refused); after it the feed keeps trying and the model shows it is stale.
/// The feed is the model's only writer; <see cref="Read{T}"/> gives other threads a consistent view.
/// </summary>
internal sealed class FarmFeed(FarmService.FarmServiceClient client, TimeProvider time)
{
    /// <summary>Pause before joining again after the stream ended or failed.</summary>
    public static readonly TimeSpan Rejoin = TimeSpan.FromSeconds(1);

    /// <summary>Pause before joining again after missed events; short, as the view is stale meanwhile.</summary>
    public static readonly TimeSpan RejoinAfterGap = TimeSpan.FromMilliseconds(100);

    private readonly FarmModel _model = new();
    private readonly Lock _sync = new();
    private readonly TaskCompletionSource _firstSnapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    /// <summary>Completes when the first snapshot has been applied.</summary>
    public Task FirstSnapshot => _firstSnapshot.Task;

    /// <summary>Changes with every applied event, so a renderer can skip frames when nothing happened.</summary>
    public long Version => Interlocked.Read(ref _version);

    public T Read<T>(Func<FarmModel, T> read)
    {
        lock (_sync)
        {
            return read(_model);
        }
    }

    /// <summary>Runs until canceled; <paramref name="onApplied"/> sees every event that changed the model.</summary>
    public async Task RunAsync(Action<FarmEvent>? onApplied, CancellationToken cancellationToken)
    {
        while (true)
        {
            var rejoinAt = Rejoin;
            try
            {
                using var call = client.WatchFarm(new WatchFarmRequest(), cancellationToken: cancellationToken);
                await foreach (var farmEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    var update = Apply(farmEvent);
                    if (update == FarmUpdate.Applied)
                    {
                        onApplied?.Invoke(farmEvent);
                    }
                    else if (update == FarmUpdate.NeedsSnapshot)
                    {
                        rejoinAt = RejoinAfterGap;
                        break;
                    }
                }

                if (!FirstSnapshot.IsCompleted)
                {
                    throw new RpcException(new Status(StatusCode.Unknown, "the coordinator ended the farm stream before sending its snapshot"));
                }

                if (rejoinAt == Rejoin)
                {
                    Stale("the coordinator ended the stream; rejoining");
                }
            }
            catch (RpcException e) when (FirstSnapshot.IsCompleted && !cancellationToken.IsCancellationRequested)
            {
                Stale($"{e.StatusCode}: {e.Status.Detail}; rejoining");
            }

            await Task.Delay(rejoinAt, time, cancellationToken);
        }
    }

    private FarmUpdate Apply(FarmEvent farmEvent)
    {
        FarmUpdate update;
        lock (_sync)
        {
            update = _model.Apply(farmEvent);
        }

        if (update == FarmUpdate.Applied)
        {
            Interlocked.Increment(ref _version);
            if (_model.HasSnapshot)
            {
                _firstSnapshot.TrySetResult();
            }
        }

        return update;
    }

    private void Stale(string problem)
    {
        lock (_sync)
        {
            _model.MarkStale(problem);
        }

        Interlocked.Increment(ref _version);
    }
}
