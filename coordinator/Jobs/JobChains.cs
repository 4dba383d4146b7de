using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// A job may take its input from another job's output (<c>JobSpec.input_from_job</c>): a chain. The job it takes it
/// from (the parent) is one more dependency (<see cref="Dependencies"/>, <c>rf_job_deps</c>); what a chain adds is that
/// its tasks, once every prerequisite has succeeded, wait for their input to be checked (<see cref="TaskWait.Input"/>,
/// done outside the transaction by <c>Chains/ChainInputs</c>) instead of being queued at once, and that a parent
/// canceled cancels the child.
/// </summary>
internal static class JobChains
{
    public static bool IsChained(JobSpec spec) => spec.InputFromJob.Length > 0;

    /// <summary>Every job this one waits for: its dependencies and, for a chain, the job its input comes from.</summary>
    public static IReadOnlyList<string> Prerequisites(JobSpec spec) =>
        IsChained(spec) && !spec.DependsOn.Contains(spec.InputFromJob) ? [.. spec.DependsOn, spec.InputFromJob] : [.. spec.DependsOn];

    /// <summary>
    /// Checks, inside the submitting transaction, that the parent exists and can still succeed (the input path's own
    /// check waits for it to succeed); answers whether it already has.
    /// </summary>
    public static async Task<bool> CheckParentAsync(IJobTransaction tx, JobSpec spec)
    {
        var parent = await tx.FindJobAsync(spec.InputFromJob);
        var problem = parent switch
        {
            null => $"spec.input_from_job: job '{spec.InputFromJob}' does not exist",
            { IsRecurring: true } => $"spec.input_from_job: job '{parent.Id}' is recurring; take the input from one of its runs",
            { State: JobState.Failed } => $"spec.input_from_job: job '{parent.Id}' has failed, so it will write no output; retry it first",
            { State: JobState.Canceled } => $"spec.input_from_job: job '{parent.Id}' has been canceled, so it will write no output; retry it first",
            _ => null,
        };
        if (problem is not null) throw new JobValidationException([problem]);
        return parent!.State == JobState.Succeeded;
    }

    /// <summary>A chained task whose prerequisites have all succeeded: it waits for its input to be checked.</summary>
    public static TaskRecord AwaitInputCheck(TaskRecord task, DateTimeOffset now) =>
        (task.State == TaskState.Waiting ? task : task.MoveTo(TaskState.Waiting)) with { WaitingFor = TaskWait.Input, NotBefore = task.NotBefore ?? now };

    /// <summary>Whether <paramref name="ended"/> is the job the chained <paramref name="dependent"/> takes its input from.</summary>
    public static bool IsParentOf(JobRecord ended, JobRecord dependent) =>
        string.Equals(dependent.Spec.InputFromJob, ended.Id, StringComparison.Ordinal);

    /// <summary>Why a chained job does not run: its parent failed or was canceled.</summary>
    public static string ParentEnded(JobRecord parent) =>
        $"its input comes from job '{parent.Id}', which {(parent.State == JobState.Failed ? "failed" : "was canceled")}"
        + (parent.Error is { Length: > 0 } e ? $": {e}" : "");
}
