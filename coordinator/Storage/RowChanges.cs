using RenderFarm.Coordinator.Jobs;
using static RenderFarm.Coordinator.Storage.RowMapper;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The columns an update really changes. A transaction knows each row as it read (or last wrote) it; an update
/// then sets only the columns whose value differs from that, so the stored JSON of a job's spec or a task's
/// assignment is neither serialised again nor rewritten (PostgreSQL writes a new copy of every column it is
/// given). Columns left out keep the value in the row, which is the value the transaction read: the update
/// changes exactly what setting every column would have changed. A field compared by reference (a message,
/// a list) counts as changed unless it is the very object that was read.
/// </summary>
internal static class RowChanges
{
    public static List<(string Column, object? Value)> Of(JobRecord before, JobRecord after)
    {
        var set = new List<(string, object?)>();
        if (!ReferenceEquals(before.Spec, after.Spec)) set.Add(("spec", ToJson(after.Spec)));
        if (before.State != after.State) set.Add(("state", (int)after.State));
        if (before.StartTime != after.StartTime) set.Add(("start_time", ToDb(after.StartTime)));
        if (before.EndTime != after.EndTime) set.Add(("end_time", ToDb(after.EndTime)));
        if (before.Error != after.Error) set.Add(("error", ToDb(after.Error)));
        if (!ReferenceEquals(before.Result, after.Result)) set.Add(("result", after.Result is null ? null : ToJson(after.Result)));
        if (!ReferenceEquals(before.Recurrence, after.Recurrence)) set.Add(("recurrence", after.Recurrence is null ? null : ToJson(after.Recurrence)));
        return set;
    }

    public static List<(string Column, object? Value)> Of(TaskRecord before, TaskRecord after)
    {
        var set = new List<(string, object?)>();
        if (before.State != after.State) set.Add(("state", (int)after.State));
        if (before.Priority != after.Priority) set.Add(("priority", after.Priority));
        if (!ReferenceEquals(before.Work, after.Work)) set.Add(("work", ToJson(after.Work)));
        if (!ReferenceEquals(before.Requirements, after.Requirements)) set.Add(("requirements", after.Requirements.Serialize()));
        if (before.FailedAttempts != after.FailedAttempts) set.Add(("failed_attempts", after.FailedAttempts));
        if (before.LostAttempts != after.LostAttempts) set.Add(("lost_attempts", after.LostAttempts));
        if (before.MaxRetries != after.MaxRetries) set.Add(("max_retries", after.MaxRetries));
        if (before.NotBefore != after.NotBefore) set.Add(("not_before", ToDb(after.NotBefore)));
        if (before.WaitingFor != after.WaitingFor) set.Add(("waiting_for", (int)after.WaitingFor));
        if (before.Limits.MaxRunTime != after.Limits.MaxRunTime) set.Add(("max_run_ms", (long)after.Limits.MaxRunTime.TotalMilliseconds));
        if (before.Limits.StallTimeout != after.Limits.StallTimeout) set.Add(("stall_ms", (long)after.Limits.StallTimeout.TotalMilliseconds));
        if (!ReferenceEquals(before.BlockedAgents, after.BlockedAgents) && !before.BlockedAgents.SequenceEqual(after.BlockedAgents, StringComparer.Ordinal))
        {
            set.Add(("blocked_agents", string.Join(',', after.BlockedAgents)));
        }

        return set;
    }

    public static List<(string Column, object? Value)> Of(AttemptRecord before, AttemptRecord after)
    {
        var set = new List<(string, object?)>();
        if (before.Outcome != after.Outcome) set.Add(("outcome", (int)after.Outcome));
        if (before.LeaseExpiry != after.LeaseExpiry) set.Add(("lease_expiry", ToMillis(after.LeaseExpiry)));
        if (before.EndTime != after.EndTime) set.Add(("end_time", ToDb(after.EndTime)));
        if (before.FailureClass != after.FailureClass) set.Add(("failure_class", (int)after.FailureClass));
        if (before.Error != after.Error) set.Add(("error", ToDb(after.Error)));
        if (before.ExitCode != after.ExitCode) set.Add(("exit_code", after.ExitCode));
        if (before.LogTail != after.LogTail) set.Add(("log_tail", ToDb(after.LogTail)));
        if (before.Frames != after.Frames) set.Add(("frames", after.Frames));
        if (before.MediaMillis != after.MediaMillis) set.Add(("media_ms", after.MediaMillis));
        if (!Equals(before.Timeline, after.Timeline)) set.Add(("timeline", after.Timeline is null ? null : RowMapper.ToJson(after.Timeline)));
        return set;
    }

    /// <summary><c>UPDATE table SET a = @a, b = @b WHERE id = @id</c> for the changed columns, with its parameters.</summary>
    public static (string Sql, (string, object?)[] Parameters) Update(string table, string id, List<(string Column, object? Value)> set)
    {
        var parameters = new (string, object?)[set.Count + 1];
        var assignments = new string[set.Count];
        for (var i = 0; i < set.Count; i++)
        {
            assignments[i] = $"{set[i].Column} = @{set[i].Column}";
            parameters[i] = ("@" + set[i].Column, set[i].Value);
        }

        parameters[^1] = ("@id", id);
        return ($"UPDATE {table} SET {string.Join(", ", assignments)} WHERE id = @id", parameters);
    }
}
