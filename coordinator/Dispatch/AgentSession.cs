using System.Collections.Concurrent;
using System.Threading.Channels;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// One connected agent: what it said in its hello, its free-slot credit, the attempts it runs, and the
/// outbox that the single writer of its stream drains (a gRPC stream write is not thread-safe).
/// </summary>
public sealed class AgentSession(AgentHello hello, DateTimeOffset connectTime) : IWaitCandidate
{
    private readonly Channel<ConnectResponse> _outbox = Channel.CreateUnbounded<ConnectResponse>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _running = new();
    private readonly ConcurrentDictionary<string, byte> _cached = new(hello.CachedBlobs.Select(h => KeyValuePair.Create(h, (byte)0)));
    private readonly CancellationTokenSource _closed = new();
    private int _freeSlots;

    public string Id => Hello.Name;

    public AgentHello Hello { get; } = hello;

    public DateTimeOffset ConnectTime { get; } = connectTime;

    public DateTimeOffset LastSeen { get; set; } = connectTime;

    public double LoadAverage { get; set; }

    /// <summary>Why an operator drained this agent (kept across restarts), or null.</summary>
    public string? OperatorDrain { get; set; }

    /// <summary>Set when the agent said it is shutting down: it finishes its work and takes nothing new.</summary>
    public string? ShutdownReason { get; set; }

    /// <summary>A draining agent gets no new work.</summary>
    public bool Draining => OperatorDrain is not null || ShutdownReason is not null;

    public string DrainReason => ShutdownReason ?? OperatorDrain ?? "";

    /// <summary>What the agent's own rules allow now (owner activity, hours, load): sent in its hello and on each change.</summary>
    public AgentAvailability Availability { get; set; } = hello.Availability ?? new AgentAvailability();

    /// <summary>An agent away by its own rules gets no new work.</summary>
    public bool Away => Availability.AwayReason.Length > 0;

    public string AwayReason => Availability.AwayReason;

    public DateTimeOffset? AwayUntil => Availability.UntilTime?.ToDateTimeOffset();

    /// <summary>Tasks it may run at once now: its schedule's current period's slots, never more than its own.</summary>
    public int SlotCap => Availability.Slots > 0 ? (int)Math.Min(Availability.Slots, Hello.Slots) : (int)Hello.Slots;

    /// <summary>Slots it may be given work for: its returned credit, within <see cref="SlotCap"/>.</summary>
    public int FreeSlots
    {
        get
        {
            var credit = Volatile.Read(ref _freeSlots);
            return Math.Max(0, Math.Min(credit, SlotCap - ((int)Hello.Slots - credit)));
        }
    }

    public IReadOnlyCollection<string> RunningAttempts => _running.Keys.ToList();

    public ChannelReader<ConnectResponse> Outbox => _outbox.Reader;

    /// <summary>Cancelled when the session is replaced by a newer connection or closed.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Adds returned credit, never beyond the agent's slot count.</summary>
    public void AddFreeSlots(uint freed)
    {
        while (true)
        {
            var free = Volatile.Read(ref _freeSlots);
            var next = (int)Math.Min(free + freed, Hello.Slots);
            if (Interlocked.CompareExchange(ref _freeSlots, next, free) == free) return;
        }
    }

    /// <summary>Takes one credit; false when the agent has no free slot.</summary>
    public bool TryTakeSlot()
    {
        while (true)
        {
            var free = Volatile.Read(ref _freeSlots);
            if (free <= 0 || (int)Hello.Slots - free >= SlotCap) return false;
            if (Interlocked.CompareExchange(ref _freeSlots, free - 1, free) == free) return true;
        }
    }

    public void ReturnSlot() => Interlocked.Increment(ref _freeSlots);

    public void AddRunning(string attemptId) => _running.TryAdd(attemptId, 0);

    public void RemoveRunning(string attemptId) => _running.TryRemove(attemptId, out _);

    /// <summary>An agent in transfer mode sees no media root: its inputs and outputs travel over TransferService.</summary>
    public bool Transfers => Hello.StorageMode == StorageMode.Transfer;

    /// <summary>Whether the agent holds this blob in its transfer cache (it said so in its hello, or it downloaded it since).</summary>
    public bool HasCached(string sha256) => _cached.ContainsKey(sha256);

    public void AddCached(string sha256) => _cached.TryAdd(sha256, 0);

    public int CachedCount => _cached.Count;

    /// <summary>
    /// Whether the agent has the encoder, filters and media roots a task needs. An agent in transfer mode runs every
    /// kind of task: the files it reads come down as blobs and what it writes (an output, a chunk, the audio, the
    /// joined file) goes up into the coordinator's media roots.
    /// </summary>
    public bool CanRun(Jobs.TaskRequirements requirements) => WaitCandidates.CanRun(this, requirements);

    IReadOnlyCollection<string> IWaitCandidate.Encoders => Hello.Encoders;

    IReadOnlyCollection<string> IWaitCandidate.Filters => Hello.Filters;

    IReadOnlyCollection<string> IWaitCandidate.MediaRoots => Hello.MediaRoots;

    int IWaitCandidate.Slots => SlotCap;

    public void Send(ConnectResponse message) => _outbox.Writer.TryWrite(message);

    public void Close()
    {
        _outbox.Writer.TryComplete();
        _closed.Cancel();
    }
}
