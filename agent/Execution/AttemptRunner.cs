using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// Runs the attempts the coordinator assigns, each on its own task, and reports how they end. Work keeps
/// running while the link to the coordinator is down; cancel and drop stop ffmpeg and publish nothing.
/// </summary>
public sealed class AttemptRunner(
    RenderPipeline pipeline,
    AgentOutbox outbox,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<AttemptRunner> logger)
{
    private readonly ConcurrentDictionary<string, Running> _running = new();
    private readonly AgentMediaRoots _roots = new(options.Value.MediaRoots);

    private sealed record Running(Assignment Work, CancellationTokenSource Stop, Task Completion);

    public IReadOnlyCollection<string> RunningAttemptIds => _running.Keys.ToList();

    public int FreeSlots => Math.Max(0, options.Value.Slots - _running.Count);

    public IEnumerable<string> MediaRootNames => _roots.Names;

    public void Start(Assignment work)
    {
        var stop = new CancellationTokenSource();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(work.AttemptId, new Running(work, stop, done.Task)))
        {
            Log.DuplicateAssignment(logger, work.AttemptId);
            stop.Dispose();
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(work, stop.Token);
            }
            finally
            {
                done.SetResult();
            }
        });
    }

    /// <summary>Stops an attempt (canceled, or no longer ours). Nothing is published and no report is sent.</summary>
    public void Stop(string attemptId, string reason)
    {
        if (_running.TryGetValue(attemptId, out var running))
        {
            Log.Stopping(logger, attemptId, reason);
            running.Stop.Cancel();
        }
    }

    /// <summary>Waits for every running attempt to end (used when the agent shuts down gracefully).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_running.Values.Select(r => r.Completion));

    private async Task RunAsync(Assignment work, CancellationToken cancellationToken)
    {
        Log.Starting(logger, work.AttemptId, work.JobId);
        try
        {
            var request = Resolve(work);
            var throttle = new ProgressThrottle(time, TimeSpan.FromSeconds(1 / options.Value.ProgressRate));
            var output = await pipeline.RunAsync(request, p =>
            {
                if (!throttle.ShouldSend(p.Percent)) return;
                outbox.Post(new ConnectRequest
                {
                    Progress = new TaskProgress { AttemptId = work.AttemptId, Percent = p.Percent, Fps = p.Fps, Speed = p.Speed, Frames = (ulong)Math.Max(0, p.Frames) },
                });
            }, cancellationToken);
            outbox.Post(new ConnectRequest { Completed = new TaskCompleted { AttemptId = work.AttemptId, Output = output } });
            Log.Finished(logger, work.AttemptId, output.Path);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.Stopped(logger, work.AttemptId);
        }
        catch (RenderFailedException failed)
        {
            Log.Failed(logger, work.AttemptId, failed.FailureClass, failed.Message);
            outbox.Post(Failure(work.AttemptId, failed.FailureClass, failed.Message, failed.ExitCode, failed.LogTail));
        }
        catch (Exception ex)
        {
            Log.Crashed(logger, ex, work.AttemptId);
            outbox.Post(Failure(work.AttemptId, FailureClass.Transient, $"agent error: {ex.Message}", 0, ""));
        }
        finally
        {
            if (_running.TryRemove(work.AttemptId, out var done)) done.Stop.Dispose();
            outbox.Post(new ConnectRequest { Slots = new SlotsAvailable { FreedSlots = 1 } });
        }
    }

    private RenderRequest Resolve(Assignment work)
    {
        string? lut = null;
        if (!_roots.TryResolve(work.Input, out var input, out var error)
            || !_roots.TryResolve(work.Output, out var output, out error)
            || (work.Lut is { Root.Length: > 0 } && !_roots.TryResolve(work.Lut, out lut, out error)))
        {
            throw new RenderFailedException(FailureClass.Unsupported, $"cannot place the task's files on this agent: {error}", 0, "");
        }

        return new RenderRequest(work.AttemptId, input, output, lut, work.Settings, work.Grade, work.Overwrite);
    }

    private static ConnectRequest Failure(string attemptId, FailureClass failureClass, string message, int exitCode, string logTail) => new()
    {
        Failed = new TaskFailed { AttemptId = attemptId, FailureClass = failureClass, Message = message, ExitCode = exitCode, LogTail = logTail },
    };
}
