using System.Collections.Concurrent;
using System.Threading.Channels;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Everything the agent tells the coordinator goes through here; the current stream's single writer drains it.
/// Final reports (completed, failed) are also kept for a while and sent again after every reconnect, so a
/// render that finished while the coordinator was away is never lost; the coordinator ignores duplicates.
/// Progress and credit are only worth sending live: the hello after a reconnect restates both.
/// </summary>
public sealed class AgentOutbox(TimeProvider time)
{
    private static readonly TimeSpan KeepFinals = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, (ConnectRequest Message, DateTimeOffset At)> _finals = new();
    private Channel<ConnectRequest> _live = Channel.CreateUnbounded<ConnectRequest>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _connected;

    public void Post(ConnectRequest message)
    {
        switch (message.MessageCase)
        {
            case ConnectRequest.MessageOneofCase.Completed:
                _finals[message.Completed.AttemptId] = (message, time.GetUtcNow());
                break;
            case ConnectRequest.MessageOneofCase.Failed:
                _finals[message.Failed.AttemptId] = (message, time.GetUtcNow());
                break;
            default:
                if (!_connected) return;
                break;
        }

        _live.Writer.TryWrite(message);
    }

    /// <summary>Starts a new stream: a fresh queue that begins with every recent final report.</summary>
    public ChannelReader<ConnectRequest> Connect()
    {
        var now = time.GetUtcNow();
        foreach (var (id, final) in _finals)
        {
            if (now - final.At > KeepFinals) _finals.TryRemove(id, out _);
        }

        var channel = Channel.CreateUnbounded<ConnectRequest>(new UnboundedChannelOptions { SingleReader = true });
        foreach (var final in _finals.Values.OrderBy(f => f.At)) channel.Writer.TryWrite(final.Message);
        Interlocked.Exchange(ref _live, channel).Writer.TryComplete();
        _connected = true;
        return channel.Reader;
    }

    public void Disconnect()
    {
        _connected = false;
        _live.Writer.TryComplete();
    }
}
