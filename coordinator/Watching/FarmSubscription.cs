using System.Threading.Channels;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Watching;

/// <summary>
/// One WatchFarm subscriber: the snapshot it starts from, the sequence number that snapshot stands at, and a
/// bounded buffer of the events after it. A subscriber whose buffer is full is cut off rather than slowing
/// the farm or silently missing events: the hub stops offering it events and completes its buffer.
/// </summary>
public sealed class FarmSubscription : IDisposable
{
    private readonly FarmEventHub _hub;
    private readonly Channel<FarmEvent> _events;
    private volatile bool _fellBehind;

    private readonly Lazy<FarmSnapshot> _snapshot;

    internal FarmSubscription(FarmEventHub hub, int capacity, ulong sequence, FarmViewCopy view)
    {
        _hub = hub;
        _events = Channel.CreateBounded<FarmEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        Sequence = sequence;
        _snapshot = new Lazy<FarmSnapshot>(view.ToSnapshot);
    }

    /// <summary>The sequence number of the last event the snapshot includes; the first buffered event has the next one.</summary>
    public ulong Sequence { get; }

    /// <summary>
    /// Agents and active jobs exactly as of <see cref="Sequence"/> (stats are left to the caller), decoded on
    /// first use, outside the hub's lock.
    /// </summary>
    public FarmSnapshot Snapshot => _snapshot.Value;

    public ChannelReader<FarmEvent> Events => _events.Reader;

    /// <summary>True once the buffer overflowed; the events stop and the subscriber must re-join.</summary>
    public bool FellBehind => _fellBehind;

    /// <summary>Called by the hub, under its lock, in sequence order.</summary>
    internal bool Offer(FarmEvent farmEvent) => _events.Writer.TryWrite(farmEvent);

    /// <summary>Called by the hub, under its lock, when <see cref="Offer"/> found the buffer full.</summary>
    internal void CutOff()
    {
        _fellBehind = true;
        _events.Writer.TryComplete();
    }

    public void Dispose()
    {
        _hub.Unsubscribe(this);
        _events.Writer.TryComplete();
    }
}
