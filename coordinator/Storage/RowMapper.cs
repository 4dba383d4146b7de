using System.Data.Common;
using Google.Protobuf;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Storage;

/// <summary>Turns rows into records and records into column values; shared by every SQL store.</summary>
internal static class RowMapper
{
    public const string JobColumns = "id, seq, spec, state, create_time, start_time, end_time, error, result, recurrence, recurring_job_id";
    public const string TaskColumns = "id, job_id, state, priority, seq, work, requirements, failed_attempts, lost_attempts, max_retries, not_before, waiting_for, max_run_ms, stall_ms, blocked_agents";
    public const string AttemptColumns = "id, task_id, job_id, agent_id, outcome, start_time, lease_expiry, end_time, failure_class, error, exit_code, log_tail, frames, log_size, timeline, media_ms";

    public const string PublishGrantColumns = "task_id, attempt_id, job_id, output_root, output_path, size_bytes, sha256, output, grant_time";

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static string ToJson(IMessage message) => Formatter.Format(message);

    public static T FromJson<T>(string json) where T : IMessage<T>, new() => JsonParser.Default.Parse<T>(json);

    public static long ToMillis(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static object ToDb(DateTimeOffset? time) => time is { } t ? t.ToUnixTimeMilliseconds() : DBNull.Value;

    public static object ToDb(string? text) => text is null ? DBNull.Value : text;

    public static JobRecord ReadJob(DbDataReader r) => new(
        r.GetString(0),
        FromJson<JobSpec>(r.GetString(2)),
        (JobState)r.GetInt32(3),
        r.GetInt64(1),
        Time(r, 4)!.Value,
        Time(r, 5),
        Time(r, 6),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : FromJson<OutputInfo>(r.GetString(8)),
        r.IsDBNull(9) ? null : FromJson<Recurrence>(r.GetString(9)),
        r.IsDBNull(10) ? null : r.GetString(10));

    public static TaskRecord ReadTask(DbDataReader r) => ReadTask(r, 0);

    /// <summary>A task whose columns start at <paramref name="o"/> (after another table's, in a join).</summary>
    public static TaskRecord ReadTask(DbDataReader r, int o) => new(
        r.GetString(o + 0),
        r.GetString(o + 1),
        (TaskState)r.GetInt32(o + 2),
        r.GetInt32(o + 3),
        r.GetInt64(o + 4),
        FromJson<Assignment>(r.GetString(o + 5)),
        TaskRequirements.Parse(r.GetString(o + 6)),
        r.GetInt32(o + 7),
        r.GetInt32(o + 8),
        r.GetInt32(o + 9),
        Time(r, o + 10),
        (TaskWait)r.GetInt32(o + 11),
        new TaskLimits(TimeSpan.FromMilliseconds(r.GetInt64(o + 12)), TimeSpan.FromMilliseconds(r.GetInt64(o + 13))),
        r.GetString(o + 14).Length == 0 ? [] : r.GetString(o + 14).Split(','));

    public static AttemptRecord ReadAttempt(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3),
        (AttemptOutcome)r.GetInt32(4),
        Time(r, 5)!.Value,
        Time(r, 6)!.Value,
        Time(r, 7),
        (FailureClass)r.GetInt32(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.GetInt32(10),
        r.IsDBNull(11) ? null : r.GetString(11),
        r.GetInt64(12),
        r.GetInt64(13),
        r.IsDBNull(14) ? null : FromJson<TaskTimeline>(r.GetString(14)),
        r.GetInt64(15));

    public static PublishRecord ReadPublishGrant(DbDataReader r)
    {
        var published = FromJson<OutputInfo>(r.GetString(7));
        // The columns are the truth for what the grant is about; the JSON carries the rest of what was verified.
        published.SizeBytes = (ulong)r.GetInt64(5);
        published.Sha256 = r.GetString(6);
        return new PublishRecord(r.GetString(0), r.GetString(1), r.GetString(2), new MediaRef { Root = r.GetString(3), Path = r.GetString(4) },
            published, Time(r, 8)!.Value);
    }

    private static DateTimeOffset? Time(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));
}
