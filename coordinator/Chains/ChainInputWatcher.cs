using System.Threading.Channels;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Chains;

/// <summary>
/// Runs <see cref="ChainInputs"/> when a chained job may be waiting for its input's check: after a commit that ended
/// jobs (any commit of another coordinator, which does not say), when a chain is submitted or retried after its parent
/// succeeded, at start (a check cut off by a restart is made again: the tasks still wait in the store), and every
/// <see cref="Fallback"/> (a check that met an I/O error is tried again). At most one check pass every <see cref="MinInterval"/>.
/// </summary>
public sealed partial class ChainInputWatcher(IJobStore store, ChainInputs chains, TimeProvider time, ILogger<ChainInputWatcher> logger) : BackgroundService, IChainInputChecks
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Fallback = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        store.Committed += OnCommitted;
        try
        {
            Wake();
            while (!stoppingToken.IsCancellationRequested)
            {
                using (var fallback = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    fallback.CancelAfter(Fallback);
                    try
                    {
                        await _wake.Reader.ReadAsync(fallback.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The fallback look.
                    }
                }

                try
                {
                    await chains.CheckWaitingAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPassFailed(logger, ex);
                }

                await Task.Delay(MinInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.Committed -= OnCommitted;
        }
    }

    private void OnCommitted(StoreCommit commit)
    {
        if (commit.EndedJobs is null || commit.EndedJobs.Count > 0) Wake();
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not look for chained jobs waiting for their input; looking again later")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
