using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Support;

/// <summary>
/// Stands in for the link's stream writer and the coordinator reading it: takes everything the outbox queues, in
/// order, and ends the stream when the outbox closes its queue, as the coordinator does once it has read it all.
/// </summary>
internal sealed class OutboxRecorder(AgentOutbox outbox) : IAsyncDisposable
{
    private readonly List<ConnectRequest> _messages = [];
    private readonly Lock _lock = new();
    private CancellationTokenSource _stream = new();
    private Task _reading = Task.CompletedTask;

    public IReadOnlyList<ConnectRequest> Messages
    {
        get
        {
            lock (_lock) return [.. _messages];
        }
    }

    /// <summary>Opens a stream and records what it carries.</summary>
    public void Connect()
    {
        var reader = outbox.Connect();
        _stream = new CancellationTokenSource();
        var token = _stream.Token;
        _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in reader.ReadAllAsync(token))
                {
                    lock (_lock) _messages.Add(message);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (outbox.IsClosed) outbox.Disconnect();
        });
    }

    /// <summary>Drops the stream as a network failure would: what is still queued is lost.</summary>
    public async Task DropAsync()
    {
        await _stream.CancelAsync();
        await _reading;
        outbox.Disconnect();
    }

    public List<TaskLog> Logs(string attemptId) =>
        Messages.Where(m => m.MessageCase == ConnectRequest.MessageOneofCase.Log && m.Log.AttemptId == attemptId).Select(m => m.Log).ToList();

    /// <summary>The completed or failed report of an attempt, once it is recorded.</summary>
    public async Task<ConnectRequest> FinalAsync(string attemptId, TimeSpan? timeout = null)
    {
        await WaitForAsync(m => m.Any(r => IsFinal(r, attemptId)), timeout);
        return Messages.Single(r => IsFinal(r, attemptId));
    }

    public static bool IsFinal(ConnectRequest message, string attemptId) => message.MessageCase switch
    {
        ConnectRequest.MessageOneofCase.Completed => message.Completed.AttemptId == attemptId,
        ConnectRequest.MessageOneofCase.Failed => message.Failed.AttemptId == attemptId,
        _ => false,
    };

    public async Task WaitForAsync(Func<IReadOnlyList<ConnectRequest>, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (!condition(Messages))
        {
            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out; recorded: {string.Join(", ", Messages.Select(m => m.MessageCase))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.CancelAsync();
        await _reading;
        _stream.Dispose();
    }
}
