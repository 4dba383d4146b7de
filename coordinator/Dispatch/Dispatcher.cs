using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Hands QUEUED tasks to agents with free slots, event-driven: it runs when a task becomes ready or a slot
/// frees, never on a timer. Highest priority first, first come first served within a priority; an agent
/// never gets more tasks than its credit.
/// </summary>
public sealed class Dispatcher(
    IJobStore store,
    AgentRegistry agents,
    AttemptLifecycle attempts,
    WorkSignals signals,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signals.WorkAvailable();
        await foreach (var _ in signals.Wakeups.ReadAllAsync(stoppingToken))
        {
            try
            {
                await DispatchOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.DispatchFailed(logger, ex);
            }
        }
    }

    /// <summary>One pass over the queue; returns how many tasks were handed out.</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        if (!agents.Connected.Any(Open)) return 0;
        var handed = 0;
        // The store orders by priority, then submission; the tasks of one job share both, and go longest chunk first.
        var queued = (await store.GetQueuedTasksAsync(BatchSize, cancellationToken))
            .OrderByDescending(t => t.Priority).ThenBy(t => t.Seq).ThenByDescending(t => t.Work.Chunk?.FrameCount ?? 0);
        foreach (var task in queued)
        {
            var agent = agents.Connected
                .Where(a => Open(a) && !task.IsBlocked(a.Id) && a.CanRun(task.Requirements))
                .OrderByDescending(a => a.FreeSlots)
                .ThenBy(a => a.LoadAverage)
                .FirstOrDefault();
            if (agent is null || !agent.TryTakeSlot()) continue;

            var attempt = await attempts.TryAssignAsync(task, agent.Id, cancellationToken);
            if (attempt is null)
            {
                agent.ReturnSlot();
                continue;
            }

            var work = task.Work.Clone();
            work.AttemptId = attempt.Id;
            if (task.FailedAttempts + task.LostAttempts > 0 || task.BlockedAgents.Count > 0)
            {
                work.EndedAttemptIds.AddRange((await store.GetAttemptsAsync(task.JobId, cancellationToken))
                    .Where(a => a.TaskId == task.Id && a.Id != attempt.Id && a.Outcome != AttemptOutcome.Running).Select(a => a.Id));
            }

            agent.AddRunning(attempt.Id);
            agent.Send(new ConnectResponse { Assignment = work });
            Log.Assigned(logger, task.Id, attempt.Id, agent.Id);
            handed++;
            if (!agents.Connected.Any(Open)) break;
        }

        return handed;
    }

    private static bool Open(AgentSession agent) => agent.FreeSlots > 0 && !agent.Draining;
}
