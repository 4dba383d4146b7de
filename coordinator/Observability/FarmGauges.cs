using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Observability;

/// <summary>
/// Sets the gauges just before each scrape: the counts by state (a few counter rows the database keeps) and the
/// running attempts (on an index) from the store, and the connected agents from memory. Nothing is polled between scrapes.
/// </summary>
public sealed class FarmGauges(FarmMetrics metrics, IJobStore store, AgentRegistry agents, LiveProgress progress)
{
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var jobs = await store.CountJobsByStateAsync(cancellationToken);
        foreach (var state in MetricLabels.Values<JobState>())
        {
            metrics.Jobs.WithLabels(MetricLabels.Of(state)).Set(jobs.GetValueOrDefault(state));
        }

        var tasks = await store.CountTasksByStateAsync(cancellationToken);
        foreach (var state in MetricLabels.Values<TaskState>())
        {
            metrics.Tasks.WithLabels(MetricLabels.Of(state)).Set(tasks.GetValueOrDefault(state));
        }

        var connected = agents.Connected;
        metrics.ConnectedAgents.Set(connected.Count);
        metrics.Slots.Set(connected.Sum(a => a.Hello.Slots));
        metrics.BusySlots.Set(connected.Sum(a => a.RunningAttempts.Count));

        var running = await store.GetRunningAttemptsAsync(cancellationToken);
        metrics.RenderFps.Set(running.Sum(a => progress.Get(a.TaskId)?.Fps ?? 0));
    }
}
