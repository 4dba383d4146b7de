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
    public const string AttemptColumns = "id, task_id, job_id, agent_id, outcome, start_time, lease_expiry, end_time, failure_class, error, exit_code, log_tail, frames, log_size";

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

    public static TaskRecord ReadTask(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        (TaskState)r.GetInt32(2),
        r.GetInt32(3),
        r.GetInt64(4),
        FromJson<Assignment>(r.GetString(5)),
        TaskRequirements.Parse(r.GetString(6)),
        r.GetInt32(7),
        r.GetInt32(8),
        r.GetInt32(9),
        Time(r, 10),
        (TaskWait)r.GetInt32(11),
        new TaskLimits(TimeSpan.FromMilliseconds(r.GetInt64(12)), TimeSpan.FromMilliseconds(r.GetInt64(13))),
        r.GetString(14).Length == 0 ? [] : r.GetString(14).Split(','));

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
        r.GetInt64(13));

    private static DateTimeOffset? Time(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));
}
