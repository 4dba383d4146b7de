using System.Collections.Concurrent;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Link;

/// <summary>
/// Asks the coordinator before a finished output is renamed into place, and waits for its answer. Only the
/// live lease may publish, so an attempt that lost its lease while cut off never overwrites an output
/// that another agent already committed. While the link is down the question is asked again every few
/// seconds; a cancel or drop of the attempt ends the wait.
/// </summary>
public sealed class PublishPermits(AgentOutbox outbox, TimeProvider time)
{
    public static readonly TimeSpan AskAgainEvery = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<PublishGrant>> _waiting = new();

    /// <summary>Null when granted; otherwise why not. <paramref name="output"/> (what was verified) is recorded with the grant.</summary>
    public async Task<string?> AskAsync(string attemptId, OutputInfo? output, CancellationToken cancellationToken)
    {
        var answer = _waiting.GetOrAdd(attemptId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            while (true)
            {
                outbox.Post(new ConnectRequest { Publish = new PublishRequest { AttemptId = attemptId, Output = output } });
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(AskAgainEvery, time, wait.Token);
                if (await Task.WhenAny(answer.Task, delay) == answer.Task)
                {
                    await wait.CancelAsync();
                    var grant = await answer.Task;
                    return grant.Granted ? null : grant.Reason;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            _waiting.TryRemove(attemptId, out _);
        }
    }

    public void Answer(PublishGrant grant)
    {
        if (_waiting.TryGetValue(grant.AttemptId, out var waiting)) waiting.TrySetResult(grant);
    }
}
