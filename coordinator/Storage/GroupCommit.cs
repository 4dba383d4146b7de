using System.Threading.Channels;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// Group commit: callers queue their transaction's work and await its own result; writer loops take
/// whatever has queued up and run it as one database transaction, so a thousand agents' reports cost a
/// handful of commits (and flushes) instead of a thousand. While one group commits, the next one gathers.
/// <para>
/// Each caller is answered only after the transaction holding its work has committed, and each gets
/// what its own work returned or threw: see <see cref="SqlJobStore"/> for how a failing piece of work is
/// taken out of its group without failing the others.
/// </para>
/// </summary>
internal sealed class GroupCommit(Func<List<PendingWork>, Task> commitGroup, int writers, int maxGroup)
{
    private readonly Channel<PendingWork> _queue = Channel.CreateUnbounded<PendingWork>(new UnboundedChannelOptions { SingleReader = false });
    private int _running;

    public Task<T> RunAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingWork<T>(work, cancellationToken);
        _queue.Writer.TryWrite(pending);
        StartWriter();
        // Not cancellable once queued: when the work has run, its commit stands whatever the caller does, and
        // the caller must see its outcome to finish what follows the commit.
        return pending.Result;
    }

    /// <summary>Starts a writer loop when fewer than <c>writers</c> run; a loop ends when the queue is empty.</summary>
    private void StartWriter()
    {
        while (true)
        {
            var running = Volatile.Read(ref _running);
            if (running >= writers) return;
            if (Interlocked.CompareExchange(ref _running, running + 1, running) == running) break;
        }

        _ = Task.Run(WriteAsync);
    }

    private async Task WriteAsync()
    {
        var group = new List<PendingWork>();
        while (true)
        {
            while (group.Count < maxGroup && _queue.Reader.TryRead(out var pending)) group.Add(pending);
            if (group.Count == 0)
            {
                Interlocked.Decrement(ref _running);
                // Work queued between the last read and the decrement would wait for the next caller: look again.
                if (!_queue.Reader.TryPeek(out _)) return;
                StartWriter();
                return;
            }

            try
            {
                await commitGroup(group);
            }
            catch (Exception ex)
            {
                foreach (var pending in group) pending.Fail(ex);
            }

            group = [];
        }
    }
}

/// <summary>One caller's transaction work, waiting in a group; answered once its group has committed.</summary>
internal abstract class PendingWork(CancellationToken cancellationToken)
{
    /// <summary>The caller gave up before its work ran; it is skipped.</summary>
    public bool Canceled => cancellationToken.IsCancellationRequested;

    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Runs the work inside the group's transaction and keeps what it returned (it may run again if the group is re-run).</summary>
    public abstract Task RunAsync(IJobTransaction tx);

    /// <summary>The group committed: the caller gets what its work returned.</summary>
    public abstract void Complete();

    public abstract void Fail(Exception exception);

    public abstract void Cancel();
}

internal sealed class PendingWork<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken) : PendingWork(cancellationToken)
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _value = default!;

    public Task<T> Result => _result.Task;

    public override async Task RunAsync(IJobTransaction tx) => _value = await work(tx);

    public override void Complete() => _result.TrySetResult(_value);

    public override void Fail(Exception exception) => _result.TrySetException(exception);

    public override void Cancel() => _result.TrySetCanceled(CancellationToken);
}
