using System.Globalization;
using System.Text;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl throughput`: the window's totals, a sparkline of frames per bucket, and a row per bucket where work ended or slots were busy.</summary>
internal static class ThroughputSeriesView
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    public static IRenderable Render(GetThroughputResponse series, TimeProvider time)
    {
        var zone = time.LocalTimeZone;
        string At(Google.Protobuf.WellKnownTypes.Timestamp t) =>
            TimeZoneInfo.ConvertTime(t.ToDateTimeOffset(), zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var bucket = series.Bucket?.ToTimeSpan() ?? TimeSpan.Zero;
        var total = series.Total ?? new ThroughputBucket();
        var window = (series.EndTime?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch) - (series.StartTime?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"last {Clock.Duration(TimeSpan.FromSeconds(Math.Round(window.TotalSeconds)))} in {Clock.Duration(bucket)} buckets, from {At(series.StartTime ?? new())} to {At(series.EndTime ?? new())}: " +
            $"{Format.Count(total.TasksSucceeded, "task")} succeeded, {total.TasksFailed} failed; {Format.Count(total.JobsSucceeded, "job")} succeeded, {total.JobsFailed} failed; " +
            $"{total.Frames} frames, {total.MediaSeconds:0.#} s of video; {total.BusySlots:0.##} slots busy on average");

        var table = Tables.Create("BUCKET", "TASKS OK", "FAILED", "JOBS OK", "JOBS FAILED", "FRAMES", "VIDEO S", "BUSY SLOTS");
        for (var column = 1; column < table.Columns.Count; column++) table.Columns[column].RightAligned();
        var quiet = 0;
        foreach (var b in series.Buckets)
        {
            if (b.TasksSucceeded + b.TasksFailed + b.JobsSucceeded + b.JobsFailed == 0 && b.Frames == 0 && b.BusySlots < 0.005)
            {
                quiet++;
                continue;
            }

            table.AddRow(At(b.StartTime ?? new()), N(b.TasksSucceeded), N(b.TasksFailed), N(b.JobsSucceeded), N(b.JobsFailed), N(b.Frames),
                Format.Number(b.MediaSeconds, "0.#"), Format.Number(b.BusySlots, "0.##"));
        }

        var parts = new List<IRenderable> { new Text(summary), new Text("frames " + Sparkline(series.Buckets.Select(b => (double)b.Frames).ToList())) };
        if (table.Rows.Count > 0) parts.Add(table);
        parts.Add(new Text(table.Rows.Count == 0 ? "nothing ended and no slot was busy in the window" : $"{Format.Count(quiet, "quiet bucket")} not shown"));
        return new Rows(parts);
    }

    /// <summary>One character per value, oldest first: '·' for zero, else one of eight heights relative to the largest.</summary>
    public static string Sparkline(IReadOnlyList<double> values)
    {
        var max = values.Count == 0 ? 0 : values.Max();
        var line = new StringBuilder(values.Count);
        foreach (var value in values)
        {
            line.Append(value <= 0 || max <= 0 ? '·' : Levels[(int)Math.Clamp(Math.Ceiling(value / max * Levels.Length) - 1, 0, Levels.Length - 1)]);
        }

        return line.ToString();
    }

    private static string N(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string N(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
