using System.Text.Json;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The messages coordinators exchange over PostgreSQL's <c>LISTEN/NOTIFY</c> channel: which jobs a commit
/// touched (sent inside the transaction, so it is delivered exactly when the commit is), and stop requests.
/// A payload stays well under PostgreSQL's 8000-byte limit; a long list of jobs is split.
/// </summary>
internal static class PostgresNotices
{
    public const string Channel = "renderfarm";
    private const int MaxJobsPerNotice = 200;

    public sealed record Notice(string Origin, string[]? Jobs, bool Queued, StopNotice? Stop);

    public static IEnumerable<string> ForCommit(string origin, StoreCommit commit)
    {
        var jobs = commit.ChangedJobs.ToArray();
        if (jobs.Length == 0)
        {
            yield return JsonSerializer.Serialize(new Notice(origin, [], commit.TasksQueued, null));
            yield break;
        }

        for (var i = 0; i < jobs.Length; i += MaxJobsPerNotice)
        {
            yield return JsonSerializer.Serialize(new Notice(origin, jobs[i..Math.Min(jobs.Length, i + MaxJobsPerNotice)], commit.TasksQueued, null));
        }
    }

    public static string ForStop(string origin, StopNotice stop) =>
        JsonSerializer.Serialize(new Notice(origin, null, false, stop with { Reason = stop.Reason.Length > 1000 ? stop.Reason[..1000] : stop.Reason }));

    public static Notice? Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<Notice>(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
