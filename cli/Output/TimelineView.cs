using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Output;

/// <summary>
/// `farmctl job ID --timeline`: where each attempt's time went, from the job's submission to its completion being
/// committed. Coordinator events (submitted, claimed, committed, job-ended) come from the coordinator's clock, the
/// steps between them from the agent's (what it reported with its completion); on one machine they are the same clock.
/// One row per phase: its name, when it began (ms after submission), how long it took, and the gap since the row
/// before it ended, so a large gap stands out.
/// </summary>
internal static class TimelineView
{
    /// <summary>One row of the timeline.</summary>
    public sealed record Row(string Name, Timestamp Start, Timestamp End);

    /// <summary>The rows of one attempt, in order: submitted, claimed, the agent's steps, committed, job-ended.</summary>
    public static IReadOnlyList<Row> Rows(Job job, Attempt attempt)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(attempt);
        var rows = new List<Row>();
        if (job.CreateTime is { } created) rows.Add(new Row("submitted", created, created));
        if (attempt.StartTime is { } claimed) rows.Add(new Row("claimed", claimed, claimed));
        if (attempt.Timeline is { } timeline)
        {
            rows.AddRange(timeline.Phases.Where(p => p.StartTime is not null && p.EndTime is not null).Select(p => new Row(p.Name, p.StartTime, p.EndTime)));
        }

        if (attempt.EndTime is { } committed) rows.Add(new Row("committed", committed, committed));
        if (job.EndTime is { } ended) rows.Add(new Row("job-ended", ended, ended));
        return rows;
    }

    /// <summary>The timeline of every attempt of the job, as plain lines.</summary>
    public static IEnumerable<string> Lines(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        foreach (var task in job.Tasks)
        {
            foreach (var attempt in task.Attempts)
            {
                yield return $"{task.Id} attempt {attempt.Id} on {attempt.AgentName} ({Format.Outcome(attempt.Outcome)})";
                yield return string.Format(CultureInfo.InvariantCulture, "  {0,-14} {1,10} {2,10} {3,10}", "phase", "at_ms", "took_ms", "gap_ms");
                var rows = Rows(job, attempt);
                var origin = rows.Count > 0 ? rows[0].Start.ToDateTimeOffset() : default;
                DateTimeOffset? previousEnd = null;
                foreach (var row in rows)
                {
                    var start = row.Start.ToDateTimeOffset();
                    var end = row.End.ToDateTimeOffset();
                    var gap = previousEnd is { } p ? Ms(start - p) : "-";
                    yield return string.Format(CultureInfo.InvariantCulture, "  {0,-14} {1,10} {2,10} {3,10}",
                        row.Name, Ms(start - origin), end > start ? Ms(end - start) : "-", gap);
                    previousEnd = previousEnd is { } before && before > end ? before : end;
                }

                if (attempt.Timeline is null && attempt.Outcome != AttemptOutcome.Running)
                {
                    yield return "  (the agent reported no steps: the attempt did not succeed, or its agent predates task timelines)";
                }
            }
        }
    }

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
