using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Which jobs a list shows: any of <paramref name="States"/> (empty: every state), submitted by <paramref name="Owner"/>
/// exactly (empty: anyone), whose name contains <paramref name="NameContains"/> ignoring case (empty: any name), of the
/// batch <paramref name="BatchId"/> (empty: any). The store answers it with parameters, never with the text in the SQL.
/// </summary>
public sealed record JobListFilter(IReadOnlyCollection<JobState> States, string Owner = "", string NameContains = "", string BatchId = "")
{
    /// <summary>Longest owner, name text or batch id a filter takes.</summary>
    public const int MaxTextLength = 200;

    public static readonly JobListFilter All = new([]);

    /// <summary>What is wrong with the filter, each naming the request field (empty: nothing).</summary>
    public static IReadOnlyList<string> Problems(ListJobsRequest request)
    {
        var problems = new List<string>();
        if (request.States.Any(s => s == JobState.Unspecified || !Enum.IsDefined(s)))
        {
            problems.Add("states: use the known job states (QUEUED, RUNNING, ...), not UNSPECIFIED or unknown values");
        }

        Check("owner", request.Owner);
        Check("name_contains", request.NameContains);
        Check("batch_id", request.BatchId);
        return problems;

        void Check(string field, string value)
        {
            if (value.Length > MaxTextLength) problems.Add($"{field}: is {value.Length} characters; use at most {MaxTextLength}");
            else if (value.Any(char.IsControl)) problems.Add($"{field}: contains a control character; use plain text");
        }
    }

    public static JobListFilter From(ListJobsRequest request) =>
        new(request.States.Distinct().ToList(), request.Owner, request.NameContains.Trim(), request.BatchId);

    /// <summary>The key the name is matched against: the name in lower case (stored beside the job as <c>rf_jobs.name_key</c>).</summary>
    public static string NameKey(string name) => name.ToLowerInvariant();
}
