using System.Collections.Concurrent;
using System.Threading.Channels;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// One connected agent: what it said in its hello, the attempts it holds, and the outbox that the single writer
/// of its stream drains (a gRPC stream write is not thread-safe). Its free slots are counted, never added up:
/// slots minus the attempts it holds (assigned on this stream, or listed as running in its hello, including
/// those it was told to stop and has not yet said it stopped) minus slots a dispatch pass has reserved. So a
/// message that arrives twice, or a reconnect, can never give an agent more work than it has slots.
/// </summary>
public sealed class AgentSession(AgentHello hello, DateTimeOffset connectTime) : IWaitCandidate
{
    private readonly Channel<ConnectResponse> _outbox = Channel.CreateUnbounded<ConnectResponse>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _slots = new();
    private readonly HashSet<string> _running = [.. hello.RunningAttemptIds];
    private readonly HashSet<string> _stopping = [];
    private int _reserved;
    private readonly ConcurrentDictionary<string, byte> _cached = new(hello.CachedBlobs.Select(h => KeyValuePair.Create(h, (byte)0)));
    private readonly CancellationTokenSource _closed = new();
    private long _lastSeenTicks = connectTime.UtcTicks;
    private long _lastHeartbeatTicks = connectTime.UtcTicks;

    public string Id => Hello.Name;

    public AgentHello Hello { get; } = hello;

    public DateTimeOffset ConnectTime { get; } = connectTime;

    /// <summary>When a message from the agent last arrived on this stream.</summary>
    public DateTimeOffset LastSeen
    {
        get => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _lastSeenTicks, value.UtcTicks);
    }

    /// <summary>
    /// When the agent's last heartbeat arrived (or it connected). Only a heartbeat renews leases, so reachability is
    /// measured from it: a progress or log line that slips through just before a link stalls must not keep the agent
    /// open for work after the lease it could not renew has run out.
    /// </summary>
    public DateTimeOffset LastHeartbeat
    {
        get => new(Interlocked.Read(ref _lastHeartbeatTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _lastHeartbeatTicks, value.UtcTicks);
    }

    /// <summary>
    /// Whether no heartbeat has arrived for longer than <paramref name="silence"/> (a stalled link: its stream is
    /// still open). With <paramref name="silence"/> no longer than the lease, an agent whose lease ran out for want
    /// of a heartbeat is always unreachable by then, so the task it lost is never handed straight back to it. An
    /// unreachable agent gets no new work until its next heartbeat.
    /// </summary>
    public bool IsUnreachable(DateTimeOffset now, TimeSpan silence) => now - LastHeartbeat > silence;

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

    /// <summary>The schedule an operator set for this agent (stored; sent to it), or null when it follows its own hours.</summary>
    public OperatorSchedule? OperatorSchedule { get; set; }

    /// <summary>Whether the agent follows the schedule it was sent (or, with none, its own hours), as its availability says.</summary>
    public bool ScheduleApplied => Equals(OperatorSchedule, Availability.OperatorSchedule);

    /// <summary>
    /// An agent away by its own rules gets no new work; so does one that has not yet confirmed the operator's schedule
    /// (or its end), so that nothing starts under the hours it is leaving.
    /// </summary>
    public bool Away => Availability.AwayReason.Length > 0 || !ScheduleApplied;

    public string AwayReason =>
        Availability.AwayReason.Length > 0 ? Availability.AwayReason
        : ScheduleApplied ? ""
        : OperatorSchedule is null ? "going back to its own hours" : "taking the operator's schedule";

    public DateTimeOffset? AwayUntil => Availability.UntilTime?.ToDateTimeOffset();

    /// <summary>Tasks it may run at once now: its schedule's current period's slots, never more than its own.</summary>
    public int SlotCap => Availability.Slots > 0 ? (int)Math.Min(Availability.Slots, Hello.Slots) : (int)Hello.Slots;

    /// <summary>Slots within <see cref="SlotCap"/> that no held attempt and no reservation occupies.</summary>
    public int FreeSlots
    {
        get
        {
            lock (_slots) return Math.Max(0, SlotCap - _running.Count - _reserved);
        }
    }

    /// <summary>The attempts holding a slot: running, or told to stop and not yet stopped.</summary>
    public IReadOnlyCollection<string> RunningAttempts
    {
        get
        {
            lock (_slots) return [.. _running];
        }
    }

    public ChannelReader<ConnectResponse> Outbox => _outbox.Reader;

    /// <summary>Cancelled when the session is replaced by a newer connection or closed.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Reserves a free slot for an assignment being claimed; false when the agent has none.</summary>
    public bool TryTakeSlot()
    {
        lock (_slots)
        {
            if (_running.Count + _reserved >= SlotCap) return false;
            _reserved++;
            return true;
        }
    }

    /// <summary>Gives back a reservation whose claim did not happen.</summary>
    public void ReturnSlot()
    {
        lock (_slots) _reserved = Math.Max(0, _reserved - 1);
    }

    /// <summary>The reserved slot now holds <paramref name="attemptId"/>, which is on its way to the agent.</summary>
    public void Assigned(string attemptId)
    {
        lock (_slots)
        {
            _reserved = Math.Max(0, _reserved - 1);
            _running.Add(attemptId);
        }
    }

    /// <summary>The agent holds <paramref name="attemptId"/> (it listed it, or it was handed over without a reservation).</summary>
    public void AddRunning(string attemptId)
    {
        lock (_slots) _running.Add(attemptId);
    }

    /// <summary>The agent was told to stop <paramref name="attemptId"/>; it keeps its slot until the agent says it stopped.</summary>
    public void Stopping(string attemptId)
    {
        lock (_slots)
        {
            if (_running.Contains(attemptId)) _stopping.Add(attemptId);
        }
    }

    /// <summary>The attempt ended on the agent (its final report, or the slot message naming it): its slot is free.</summary>
    public void RemoveRunning(string attemptId)
    {
        lock (_slots)
        {
            _running.Remove(attemptId);
            _stopping.Remove(attemptId);
        }
    }

    /// <summary>
    /// Credit from an agent that does not name the attempt that freed it: each freed slot ends one attempt it was told
    /// to stop (one it ran to its end sends its final report, which frees the slot).
    /// </summary>
    public void SlotsFreed(uint freed)
    {
        lock (_slots)
        {
            foreach (var id in _stopping.Take((int)Math.Min(freed, int.MaxValue)).ToList())
            {
                _running.Remove(id);
                _stopping.Remove(id);
            }
        }
    }

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

    public IReadOnlyList<string> Tags => Hello.Tags;

    public IReadOnlyList<string> Pools => Hello.Pools;

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
