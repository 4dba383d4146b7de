using System.Collections.Concurrent;
using System.Threading.Channels;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Tells watchers that a job changed (state or progress). Watchers reload the job from the store, so a
/// signal carries no data and a slow watcher only ever misses intermediate progress, never the end.
/// </summary>
public sealed class JobEvents
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<bool>, byte>> _watchers = new();

    public Subscription Subscribe(string jobId)
    {
        var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        _watchers.GetOrAdd(jobId, _ => new()).TryAdd(channel, 0);
        return new Subscription(this, jobId, channel);
    }

    /// <summary>Raised with every published job id, for observers of all jobs (the farm event hub).</summary>
    public event Action<string>? Changed;

    public void Publish(string jobId)
    {
        Changed?.Invoke(jobId);
        if (!_watchers.TryGetValue(jobId, out var channels)) return;
        foreach (var channel in channels.Keys)
        {
            channel.Writer.TryWrite(true);
        }
    }

    private void Remove(string jobId, Channel<bool> channel)
    {
        if (_watchers.TryGetValue(jobId, out var channels))
        {
            channels.TryRemove(channel, out _);
        }
    }

    public sealed class Subscription(JobEvents owner, string jobId, Channel<bool> channel) : IDisposable
    {
        /// <summary>Waits until the job changes after the last call.</summary>
        public async ValueTask WaitAsync(CancellationToken cancellationToken)
        {
            await channel.Reader.WaitToReadAsync(cancellationToken);
            channel.Reader.TryRead(out _);
        }

        public void Dispose() => owner.Remove(jobId, channel);
    }
}
