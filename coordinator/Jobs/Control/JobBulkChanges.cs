using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs.Control;

/// <summary>
/// Cancel or retry every job a filter matches, in one call; a dry run lists what would change and changes nothing. Each job
/// is changed in its own transaction (as `farmctl cancel ID` would), so one job that ended meanwhile is passed over, not
/// the whole call.
/// </summary>
public sealed class JobBulkChanges(IJobStore store, JobCatalog catalog)
{
    /// <summary>Most jobs one call changes; a filter that matches more is refused (narrow it, or call again).</summary>
    public const int MaxJobs = 5_000;

    private const int PageSize = 500;

    /// <summary>What a bulk change did (or, in a dry run, would do): the jobs changed, and the matches passed over with why.</summary>
    public sealed record Outcome(IReadOnlyList<JobRecord> Changed, IReadOnlyList<(JobRecord Job, string Reason)> Skipped);

    private static readonly JobState[] Cancelable = [JobState.Waiting, JobState.Queued, JobState.Running];
    private static readonly JobState[] Retriable = [JobState.Failed, JobState.Canceled];

    /// <param name="refusal">Why the caller may not change a job (null: it may).</param>
    public Task<Outcome> CancelAsync(JobFilter? filter, Func<JobRecord, string?> refusal, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync(filter, Cancelable, ("cancel", "canceled"), refusal, dryRun, catalog.CancelAsync, cancellationToken);

    /// <param name="refusal">Why the caller may not change a job (null: it may).</param>
    public Task<Outcome> RetryAsync(JobFilter? filter, Func<JobRecord, string?> refusal, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync(filter, Retriable, ("retry", "retried"), refusal, dryRun, catalog.RetryAsync, cancellationToken);

    private async Task<Outcome> ApplyAsync(JobFilter? filter, JobState[] applies, (string Verb, string Done) verb, Func<JobRecord, string?> refusal, bool dryRun,
        Func<string, CancellationToken, Task<JobRecord>> change, CancellationToken cancellationToken)
    {
        var match = JobFilterMatch.From(filter);
        var matched = await FindAsync(match, match.States.Count > 0 ? match.States : applies, cancellationToken);
        var changed = new List<JobRecord>();
        var skipped = new List<(JobRecord, string)>();
        foreach (var job in matched)
        {
            if (!applies.Contains(job.State) || (verb.Verb == "retry" && job.IsRecurring))
            {
                skipped.Add((job, job.IsRecurring && verb.Verb == "retry" ? "a recurring schedule is not retried" : $"it is {Name(job.State)}; only {string.Join(" or ", applies.Select(Name))} jobs can be {verb.Done}"));
                continue;
            }

            if (refusal(job) is { } refused)
            {
                skipped.Add((job, refused));
                continue;
            }

            if (dryRun)
            {
                changed.Add(job);
                continue;
            }

            try
            {
                changed.Add(await change(job.Id, cancellationToken));
            }
            catch (Exception e) when (e is JobStateConflictException or JobNotFoundException)
            {
                skipped.Add((job, e.Message));
            }
        }

        return new Outcome(changed, skipped);
    }

    private async Task<List<JobRecord>> FindAsync(JobFilterMatch match, IReadOnlyCollection<JobState> states, CancellationToken cancellationToken)
    {
        var found = new List<JobRecord>();
        long? before = null;
        while (true)
        {
            var page = await store.ListJobsAsync(states, before, PageSize, cancellationToken);
            found.AddRange(page.Where(match.Matches));
            if (found.Count > MaxJobs)
            {
                throw new JobStateConflictException($"more than {MaxJobs} jobs match; narrow the filter (--state, --owner, --name, --batch) and run it again");
            }

            if (page.Count < PageSize) return found;
            before = page[^1].Seq;
        }
    }

    private static string Name(JobState state) => state.ToString().ToLowerInvariant();
}
