using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Publishing is a recorded step of an attempt. The grant is recorded (attempt, output, size, SHA-256, what was
/// verified) in the transaction that checks the lease, before the rename; the task is then committed exactly once:
/// by the attempt's completion, or, when its agent never reports, by <see cref="ExpireAsync"/> finding the granted
/// bytes whole at the path. A later attempt of the task is handed the grant and adopts the file instead of
/// rendering again (or failing on an output that "already exists").
/// </summary>
public sealed partial class AttemptLifecycle
{
    /// <summary>
    /// An agent (or, for a transfer agent, the coordinator's upload) asks before it renames a finished output into
    /// place: only the live lease may publish, so an attempt that lost its lease (its task may have run elsewhere)
    /// never overwrites a committed output. A grant renews the lease so the rename and the completion report fit in
    /// it, and records <paramref name="output"/> (when given) as the bytes this attempt publishes.
    /// </summary>
    public async Task<PublishGrant> GrantPublishAsync(string agentId, string attemptId, OutputInfo? output, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var granted = await store.InTransactionAsync(async tx =>
        {
            var (attempt, task) = await tx.FindAttemptWithTaskAsync(attemptId);
            if (!IsLiveLease(attempt, agentId) || task is null) return false;
            await tx.RenewLeaseAsync(attempt!.Id, now + Lease);
            if (output is { Sha256.Length: > 0 })
            {
                await tx.RecordPublishGrantAsync(new PublishRecord(task.Id, attempt.Id, attempt.JobId, task.Work.Output, output.Clone(), now));
            }

            return true;
        }, cancellationToken);
        return granted
            ? new PublishGrant { AttemptId = attemptId, Granted = true }
            : new PublishGrant { AttemptId = attemptId, Granted = false, Reason = "the lease on this attempt has ended; the task may have run elsewhere" };
    }

    /// <summary>The output an earlier attempt of <paramref name="task"/> was granted to publish, for a new attempt to adopt; null when none.</summary>
    public async Task<PublishedOutput?> FindAdoptableAsync(TaskRecord task, string newAttemptId, CancellationToken cancellationToken)
    {
        if (task.FailedAttempts + task.LostAttempts == 0) return null;
        var grant = await store.FindPublishGrantAsync(task.Id, cancellationToken);
        return grant is null || grant.AttemptId == newAttemptId ? null : new PublishedOutput { AttemptId = grant.AttemptId, Output = grant.Published };
    }

    /// <summary>Forgets the grants of tasks that have ended (every sweep; the table holds only work in flight).</summary>
    public Task<int> SweepPublishGrantsAsync(CancellationToken cancellationToken) =>
        store.InTransactionAsync(tx => tx.DeleteSettledPublishGrantsAsync(), cancellationToken);

    /// <summary>
    /// A lost attempt that was granted its publish, and whose granted bytes are whole at the output path, published:
    /// its task is committed with what the grant recorded, through the same fenced completion an agent's report takes
    /// (so a report that arrives too changes nothing). False when there is no such grant or the file is not whole.
    /// </summary>
    private async Task<bool> CommitPublishedAsync(AttemptRecord attempt, string why, CancellationToken cancellationToken)
    {
        var grant = await store.FindPublishGrantAsync(attempt.TaskId, cancellationToken);
        if (grant is null || grant.AttemptId != attempt.Id || !await published.HoldsAsync(grant, cancellationToken)) return false;
        var fence = await CompleteAsync(attempt.AgentId, new TaskCompleted { AttemptId = attempt.Id, Output = grant.Published.Clone() }, cancellationToken);
        if (fence == Fence.Accepted) Log.CommittedFromGrant(logger, attempt.Id, attempt.AgentId, grant.Sha256, why);
        return fence != Fence.Stale;
    }

    /// <summary>Removes the scratch folder and upload file a lost attempt left beside its task's output.</summary>
    private async Task RemoveLeftoversAsync(AttemptRecord attempt, CancellationToken cancellationToken)
    {
        var task = (await store.GetTasksAsync(attempt.JobId, cancellationToken)).FirstOrDefault(t => t.Id == attempt.TaskId);
        if (task?.Work.Output is { } output) published.RemoveLeftovers(output, attempt.Id);
    }
}
