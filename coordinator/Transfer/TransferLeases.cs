using Grpc.Core;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>Fencing for bytes: a transfer goes ahead only for the agent's live lease on the attempt it names.</summary>
public sealed class TransferLeases(IJobStore store)
{
    /// <summary>The task the attempt works on; refused unless the attempt is running on <paramref name="agentId"/>.</summary>
    public async Task<Assignment> RequireLiveAsync(string agentId, string attemptId, CancellationToken cancellationToken)
    {
        if (agentId.Length == 0 || attemptId.Length == 0)
        {
            throw new TransferRefusedException(StatusCode.InvalidArgument, "agent_id and attempt_id are required");
        }

        var attempt = await store.FindAttemptAsync(attemptId, cancellationToken)
            ?? throw new TransferRefusedException(StatusCode.NotFound, $"attempt '{attemptId}' does not exist");
        if (attempt.AgentId != agentId || attempt.Outcome != AttemptOutcome.Running)
        {
            throw new TransferRefusedException(StatusCode.FailedPrecondition,
                $"attempt '{attemptId}' is not a live lease of agent '{agentId}' ({attempt.Outcome}); the task may have run elsewhere");
        }

        var task = (await store.GetTasksAsync(attempt.JobId, cancellationToken)).FirstOrDefault(t => t.Id == attempt.TaskId)
            ?? throw new TransferRefusedException(StatusCode.NotFound, $"task '{attempt.TaskId}' does not exist");
        return task.Work;
    }
}
