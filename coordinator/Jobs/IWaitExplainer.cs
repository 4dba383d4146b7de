using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>Says why a task that is not running is not running; the dispatch layer knows the agents.</summary>
public interface IWaitExplainer
{
    /// <summary>Null for a task that is not QUEUED or WAITING.</summary>
    ValueTask<WaitReason?> ExplainAsync(TaskRecord task, IReadOnlyList<string> pendingDependencies, CancellationToken cancellationToken);
}
