using System.Threading.Channels;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Everything the agent tells the coordinator goes through here; the current stream's single writer drains it.
/// Final reports (completed, failed) are also kept for a while and sent again after every reconnect, each after
/// its attempt's whole log, so a render that finished while the coordinator was away is never lost; the
/// coordinator ignores duplicates and stores logs by offset. Progress, credit and live log pieces are only worth
/// sending on the current stream: the hello after a reconnect restates the first two, and running attempts send
/// their logs again from the start when they see a new <see cref="Generation"/>.
/// </summary>
public sealed class AgentOutbox(TimeProvider time)
{
    /// <summary>Queued messages beyond which live log pieces are refused (they are sent later instead).</summary>
    public const int LiveBacklogLimit = 64;

    private static readonly TimeSpan KeepFinals = TimeSpan.FromMinutes(10);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Final> _finals = [];
    private Channel<ConnectRequest> _live = NewQueue();
    private TaskCompletionSource _streamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _connected;
    private bool _closed;
    private long _generation;
    private long _sequence;

    private sealed record Final(ConnectRequest Report, Func<IEnumerable<ConnectRequest>> Log, DateTimeOffset At, long Sequence);

    /// <summary>Counts streams: it changes on every <see cref="Connect"/>, so senders can tell what the coordinator may have missed.</summary>
    public long Generation
    {
        get
        {
            lock (_lock) return _generation;
        }
    }

    /// <summary>Set by <see cref="CloseAsync"/>: the agent is stopping and will send nothing more.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_lock) return _closed;
        }
    }

    public void Post(ConnectRequest message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.MessageCase is ConnectRequest.MessageOneofCase.Completed or ConnectRequest.MessageOneofCase.Failed)
        {
            PostFinal(message, Generation, [], () => []);
            return;
        }

        lock (_lock)
        {
            if (_connected && !_closed) _live.Writer.TryWrite(message);
        }
    }

    /// <summary>How many live messages <see cref="TryPostLive"/> would take now on the stream of <paramref name="generation"/>.</summary>
    public int LiveRoom(long generation)
    {
        lock (_lock)
        {
            return _connected && !_closed && generation == _generation ? Math.Max(0, LiveBacklogLimit - _live.Reader.Count) : 0;
        }
    }

    /// <summary>
    /// Queues a message on the stream of <paramref name="generation"/> if that stream is still the current one and
    /// not backed up; false when the message was not queued (the sender keeps it and tries again later).
    /// </summary>
    public bool TryPostLive(ConnectRequest message, long generation)
    {
        lock (_lock)
        {
            return _connected && !_closed && generation == _generation && _live.Reader.Count < LiveBacklogLimit && _live.Writer.TryWrite(message);
        }
    }

    /// <summary>
    /// Queues an attempt's final report after the rest of its log. <paramref name="unsentLog"/> is what the
    /// stream of <paramref name="generation"/> has not had yet; when the stream changed meanwhile, or after a later
    /// reconnect, <paramref name="fullLog"/> is sent instead.
    /// </summary>
    public void PostFinal(ConnectRequest report, long generation, IEnumerable<ConnectRequest> unsentLog, Func<IEnumerable<ConnectRequest>> fullLog)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(unsentLog);
        ArgumentNullException.ThrowIfNull(fullLog);
        var attemptId = report.MessageCase switch
        {
            ConnectRequest.MessageOneofCase.Completed => report.Completed.AttemptId,
            ConnectRequest.MessageOneofCase.Failed => report.Failed.AttemptId,
            _ => throw new ArgumentException("a final report is a completed or failed message", nameof(report)),
        };

        lock (_lock)
        {
            _finals[attemptId] = new Final(report, fullLog, time.GetUtcNow(), _sequence++);
            if (!_connected || _closed) return;
            foreach (var piece in generation == _generation ? unsentLog : fullLog()) _live.Writer.TryWrite(piece);
            _live.Writer.TryWrite(report);
        }
    }

    /// <summary>
    /// Stops keeping an attempt's final report: the coordinator refused it for good (the attempt is not this agent's
    /// live lease), so sending it after the next reconnect would only be refused again.
    /// </summary>
    public void Forget(string attemptId)
    {
        lock (_lock) _finals.Remove(attemptId);
    }

    /// <summary>Attempts whose final report is kept to be sent on the next stream.</summary>
    public IReadOnlyList<string> PendingFinalAttemptIds
    {
        get
        {
            lock (_lock) return [.. _finals.Keys];
        }
    }

    /// <summary>Starts a new stream: a fresh queue that begins with every recent final report, each after its log.</summary>
    public ChannelReader<ConnectRequest> Connect()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var (id, final) in _finals.Where(f => now - f.Value.At > KeepFinals).ToList()) _finals.Remove(id);

            var queue = NewQueue();
            foreach (var final in _finals.Values.OrderBy(f => f.Sequence))
            {
                foreach (var piece in final.Log()) queue.Writer.TryWrite(piece);
                queue.Writer.TryWrite(final.Report);
            }

            if (_closed) queue.Writer.TryComplete();
            _live.Writer.TryComplete();
            _live = queue;
            _connected = true;
            _generation++;
            _streamEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return queue.Reader;
        }
    }

    /// <summary>The stream ended; what is still queued is dropped (final reports are kept for the next stream).</summary>
    public void Disconnect()
    {
        lock (_lock)
        {
            _connected = false;
            _live.Writer.TryComplete();
            _streamEnded.TrySetResult();
        }
    }

    /// <summary>
    /// Takes no more messages and ends the queue, so the stream's writer sends what is queued and closes its side;
    /// then waits, at most <paramref name="wait"/>, for the stream to end. False when it did not end in time.
    /// </summary>
    public async Task<bool> CloseAsync(TimeSpan wait)
    {
        Task ended;
        lock (_lock)
        {
            _closed = true;
            _live.Writer.TryComplete();
            if (!_connected) return true;
            ended = _streamEnded.Task;
        }

        try
        {
            await ended.WaitAsync(wait, time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>A multi-reader channel, although one writer task reads it: only that kind can count what it holds.</summary>
    private static Channel<ConnectRequest> NewQueue() => Channel.CreateUnbounded<ConnectRequest>();
}
