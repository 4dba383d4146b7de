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
        [TaskState.Failed] = [TaskState.Queued, TaskState.Waiting],
        [TaskState.Canceled] = [TaskState.Queued, TaskState.Waiting],
    };

    public static bool IsTerminal(TaskState state) =>
        state is TaskState.Succeeded or TaskState.Failed or TaskState.Canceled;

    public static bool CanMove(TaskState from, TaskState to) =>
        Moves.TryGetValue(from, out var targets) && targets.Contains(to);

    /// <summary>The task in state <paramref name="to"/>; throws when the state machine does not allow the move.</summary>
    public static TaskRecord MoveTo(this TaskRecord task, TaskState to) =>
        CanMove(task.State, to)
            ? task with { State = to }
            : throw new InvalidOperationException($"Task {task.Id} cannot move from {task.State} to {to}.");
}
