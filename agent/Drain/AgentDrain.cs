using Microsoft.Extensions.Options;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Drain;

/// <summary>
/// Shuts the agent down without losing work: tells the coordinator it drains, takes no new work, lets running
/// attempts finish for up to <see cref="AgentOptions.DrainTimeout"/>, then stops the rest and reports them
/// <see cref="FailureClass.Interrupted"/> (the coordinator re-queues them without burning a retry), and finally
/// gives the outbox <see cref="FlushTimeout"/> to deliver the last reports. A coordinator that cannot be reached
/// does not hold the agent up: the reports stay unsent and the leases run out.
/// </summary>
public sealed partial class AgentDrain(AttemptRunner runner, AgentOutbox outbox, IOptions<AgentOptions> options, TimeProvider time, ILogger<AgentDrain> logger) : IDisposable
{
    /// <summary>The reason given to the coordinator.</summary>
    public const string Reason = "agent shutting down";

    /// <summary>How long the last reports get to reach the coordinator.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long stopped attempts get to end (ffmpeg's grace period, removing scratch files).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The longest a drain takes: the drain timeout, then stopping and flushing. The host's shutdown timeout is at least this.</summary>
    public static TimeSpan Longest(TimeSpan drainTimeout) => drainTimeout + StopTimeout + FlushTimeout + TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _interrupt = new();

    /// <summary>Stops waiting for running attempts (a second stop signal): they are interrupted at once.</summary>
    public void InterruptNow() => _interrupt.Cancel();

    public void Dispose() => _interrupt.Dispose();

    /// <param name="cancellationToken">The host giving up on a graceful stop: running attempts are interrupted at once.</param>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var drainTimeout = options.Value.DrainTimeout;
        runner.BeginDrain(Reason);
        var running = runner.RunningAttemptIds.Count;
        var finished = WaitAsync(runner.WhenIdleAsync(), drainTimeout, cancellationToken);
        outbox.Post(new ConnectRequest { Draining = new AgentDraining { Reason = Reason } });
        Log.Draining(logger, running, drainTimeout);

        var reason = await finished.ConfigureAwait(false);
        if (reason is not null)
        {
            Log.Interrupting(logger, runner.RunningAttemptIds.Count, reason);
            runner.InterruptAll(reason);
            if (!await EndsWithinAsync(runner.WhenIdleAsync(), StopTimeout).ConfigureAwait(false))
            {
                Log.StillRunning(logger, string.Join(", ", runner.RunningAttemptIds));
            }
        }

        if (!await outbox.CloseAsync(FlushTimeout).ConfigureAwait(false)) Log.NotFlushed(logger, FlushTimeout);
        Log.Drained(logger);
    }

    /// <summary>Waits for the running attempts; null when they ended, else why they must be interrupted.</summary>
    private async Task<string?> WaitAsync(Task idle, TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _interrupt.Token);
        try
        {
            await idle.WaitAsync(drainTimeout, time, stop.Token).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            return $"the agent was shutting down and its drain timeout ({drainTimeout}) passed";
        }
        catch (OperationCanceledException) when (_interrupt.IsCancellationRequested)
        {
            return "the agent was told again to stop while draining";
        }
        catch (OperationCanceledException)
        {
            return "the agent's shutdown timeout ran out";
        }
    }

    private async Task<bool> EndsWithinAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout, time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
