using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// A job may wait for other jobs. Its tasks stay WAITING until every job it depends on has succeeded,
/// and fail, naming the culprit, when one fails or is canceled. Runs inside the transaction that ended
/// the dependency, so no change is ever half applied.
/// </summary>
internal static class Dependencies
{
    /// <summary>The dependencies that have not succeeded yet; refuses ones that are missing or can never succeed.</summary>
    public static async Task<IReadOnlyList<string>> CheckAsync(IJobTransaction tx, IReadOnlyList<string> dependsOn)
    {
        var problems = new List<string>();
        var unmet = new List<string>();
        for (var i = 0; i < dependsOn.Count; i++)
        {
            var job = await tx.FindJobAsync(dependsOn[i]);
            if (job is null) problems.Add($"spec.depends_on[{i}]: job '{dependsOn[i]}' does not exist");
            else if (job.IsRecurring) problems.Add($"spec.depends_on[{i}]: job '{job.Id}' is recurring; depend on one of its runs");
            else if (job.State is JobState.Failed or JobState.Canceled)
            {
                problems.Add($"spec.depends_on[{i}]: job '{job.Id}' has {(job.State == JobState.Failed ? "failed" : "been canceled")}; retry it first");
            }
            else if (job.State != JobState.Succeeded) unmet.Add(job.Id);
        }

        if (problems.Count > 0) throw new JobValidationException(problems);
        return unmet;
    }

    /// <summary>Releases or fails the jobs waiting for any of <paramref name="ended"/>, found with one read of them all.</summary>
    public static async Task OnJobsEndedAsync(IJobTransaction tx, IReadOnlyList<JobRecord> ended, DateTimeOffset now)
    {
        if (ended.Count == 0) return;
        var dependents = await tx.GetDependentJobIdsAsync(ended.Select(j => j.Id).ToList());
        foreach (var job in ended)
        {
            foreach (var dependentId in dependents.GetValueOrDefault(job.Id) ?? [])
            {
                var dependent = await tx.FindJobAsync(dependentId);
                if (dependent is null || JobStateRollup.IsTerminal(dependent.State)) continue;
                if (job.State == JobState.Succeeded) await ReleaseIfReadyAsync(tx, dependent, now);
                else await FailAsync(tx, dependent, job, now);
            }
        }
    }

    private static async Task ReleaseIfReadyAsync(IJobTransaction tx, JobRecord dependent, DateTimeOffset now)
    {
        foreach (var id in JobChains.Prerequisites(dependent.Spec))
        {
            if ((await tx.FindJobAsync(id))?.State != JobState.Succeeded) return;
        }

        foreach (var task in await tx.GetTasksAsync(dependent.Id))
        {
            if (task is not { State: TaskState.Waiting, WaitingFor: TaskWait.Dependency }) continue;
            // A chain's input, the parent's output, is checked outside this transaction before the task is queued.
            await tx.UpdateTaskAsync(JobChains.IsChained(dependent.Spec) ? JobChains.AwaitInputCheck(task, now)
                : task.NotBefore > now
                ? task with { WaitingFor = TaskWait.Scheduled }
                : task.MoveTo(TaskState.Queued) with { WaitingFor = TaskWait.None, NotBefore = null });
        }

        await JobRollup.ApplyAsync(tx, dependent.Id, now);
    }

    private static async Task FailAsync(IJobTransaction tx, JobRecord dependent, JobRecord ended, DateTimeOffset now)
    {
        var how = ended.State == JobState.Failed ? "failed" : "was canceled";
        // A chained job whose parent was canceled is canceled too (nothing failed); any other ends FAILED.
        var chained = JobChains.IsParentOf(ended, dependent);
        var to = chained && ended.State == JobState.Canceled ? TaskState.Canceled : TaskState.Failed;
        foreach (var task in await tx.GetTasksAsync(dependent.Id))
        {
            if (TaskStateMachine.IsTerminal(task.State)) continue;
            await tx.UpdateTaskAsync(task.MoveTo(to) with { WaitingFor = TaskWait.None, NotBefore = null });
        }

        await JobRollup.ApplyAsync(tx, dependent.Id, now, error: chained
            ? JobChains.ParentEnded(ended)
            : $"job '{ended.Id}' it depends on {how}" + (ended.Error is { Length: > 0 } e ? $": {e}" : ""));
    }
}
