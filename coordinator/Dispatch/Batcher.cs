using System.Threading.Channels;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Runs requests that arrive together as one batch, and answers each caller with its own item's result. One batch
/// runs at a time; while it runs, the next one gathers. When a batch of several fails, each of its items is run
/// again as a batch of its own, so a bad item fails only its own caller.
/// </summary>
internal sealed class Batcher<TIn, TOut>(Func<IReadOnlyList<TIn>, Task<IReadOnlyList<TOut>>> run, int maxBatch)
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private int _running;

    /// <summary>Queues <paramref name="item"/>; answers once the batch holding it has run (not cancellable once queued).</summary>
    public Task<TOut> RunAsync(TIn item)
    {
        var pending = new Pending(item);
        _queue.Writer.TryWrite(pending);
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0) _ = Task.Run(DrainAsync);
        return pending.Answer.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var batch = new List<Pending>();
            while (batch.Count < maxBatch && _queue.Reader.TryRead(out var next)) batch.Add(next);
            if (batch.Count > 0)
            {
                await RunBatchAsync(batch);
                continue;
            }

            Volatile.Write(ref _running, 0);
            // An item queued between the last read and the reset would wait for the next caller: look again.
            if (!_queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        }
    }

    private async Task RunBatchAsync(List<Pending> batch)
    {
        try
        {
            var answers = await run(batch.Select(p => p.Item).ToList());
            for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(answers[i]);
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var pending in batch) await RunBatchAsync([pending]);
        }
        catch (Exception ex)
        {
            batch[0].Answer.TrySetException(ex);
        }
    }

    private sealed class Pending(TIn item)
    {
        public TIn Item { get; } = item;

        public TaskCompletionSource<TOut> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
