using System.Text.RegularExpressions;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs.Control;

/// <summary>A <see cref="JobFilter"/> checked and ready to match: owner and batch exactly, name by a `*`/`?` pattern.</summary>
public sealed class JobFilterMatch
{
    private readonly string _owner;
    private readonly Regex? _name;
    private readonly string _batchId;

    private JobFilterMatch(IReadOnlyList<JobState> states, string owner, Regex? name, string batchId) =>
        (States, _owner, _name, _batchId) = (states, owner, name, batchId);

    /// <summary>The states the filter names (empty: any).</summary>
    public IReadOnlyList<JobState> States { get; }

    /// <summary>Checks the filter; every problem names the field.</summary>
    public static JobFilterMatch From(JobFilter? filter)
    {
        if (filter is null || (filter.States.Count == 0 && filter.Owner.Length == 0 && filter.NamePattern.Length == 0 && filter.BatchId.Length == 0))
        {
            throw new JobValidationException(["filter: set at least one of states, owner, name_pattern or batch_id (farmctl: --state, --owner, --name, --batch)"]);
        }

        var problems = new List<string>();
        if (filter.States.Any(s => s == JobState.Unspecified || !Enum.IsDefined(s)))
        {
            problems.Add("filter.states: use the known job states (QUEUED, RUNNING, ...), not UNSPECIFIED or unknown values");
        }

        if (filter.NamePattern.Length > 200) problems.Add("filter.name_pattern: is longer than 200 characters");
        if (filter.Owner.Length > 200) problems.Add("filter.owner: is longer than 200 characters");
        if (filter.BatchId.Length > 200) problems.Add("filter.batch_id: is longer than 200 characters");
        if (problems.Count > 0) throw new JobValidationException(problems);

        Regex? name = filter.NamePattern.Length == 0 ? null : new Regex(
            "^" + Regex.Escape(filter.NamePattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return new JobFilterMatch(filter.States.Distinct().ToList(), filter.Owner, name, filter.BatchId);
    }

    public bool Matches(JobRecord job) =>
        (States.Count == 0 || States.Contains(job.State))
        && (_owner.Length == 0 || string.Equals(job.Spec.Owner, _owner, StringComparison.Ordinal))
        && (_name is null || _name.IsMatch(job.Spec.Name))
        && (_batchId.Length == 0 || string.Equals(job.Spec.BatchId, _batchId, StringComparison.Ordinal));
}
