using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// The allowed moves of a task: WAITING -> QUEUED -> ASSIGNED -> RUNNING -> SUCCEEDED | FAILED | CANCELED.
/// A lost or failed-but-retryable attempt sends the task back to QUEUED or WAITING.
/// </summary>
public static class TaskStateMachine
{
    private static readonly Dictionary<TaskState, TaskState[]> Moves = new()
    {
        [TaskState.Waiting] = [TaskState.Queued, TaskState.Canceled, TaskState.Failed],
        [TaskState.Queued] = [TaskState.Assigned, TaskState.Waiting, TaskState.Canceled, TaskState.Failed],
        [TaskState.Assigned] = [TaskState.Running, TaskState.Succeeded, TaskState.Failed, TaskState.Queued, TaskState.Waiting, TaskState.Canceled],
        [TaskState.Running] = [TaskState.Succeeded, TaskState.Failed, TaskState.Queued, TaskState.Waiting, TaskState.Canceled],
        [TaskState.Succeeded] = [],
        [TaskState.Failed] = [TaskState.Queued],
        [TaskState.Canceled] = [TaskState.Queued],
    };

    public static bool IsTerminal(TaskState state) =>
        state is TaskState.Succeeded or TaskState.Failed or TaskState.Canceled;

    public static bool CanMove(TaskState from, TaskState to) =>
        Moves.TryGetValue(from, out var targets) && targets.Contains(to);

    /// <summary>Throws when <paramref name="from"/> may not become <paramref name="to"/>.</summary>
    public static void EnsureCanMove(string taskId, TaskState from, TaskState to)
    {
        if (!CanMove(from, to))
        {
            throw new InvalidOperationException($"Task {taskId} cannot move from {from} to {to}.");
        }
    }
}
