using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl stats`: jobs and tasks per state, the oldest queued wait, agents and slots, then throughput.</summary>
internal static class StatsView
{
    public static IRenderable Render(GetQueueStatsResponse stats)
    {
        var grid = Tables.Properties();
        foreach (var state in Enum.GetValues<JobState>().Where(s => s != JobState.Unspecified))
        {
            var count = stats.Jobs.Where(c => c.State == state).Sum(c => (long)c.Count);
            grid.Add($"jobs {Format.State(state)}", count.ToString(CultureInfo.InvariantCulture));
        }

        if (stats.Tasks.Count > 0)
        {
            foreach (var state in Enum.GetValues<TaskState>().Where(s => s != TaskState.Unspecified))
            {
                var count = stats.Tasks.Where(c => c.State == state).Sum(c => (long)c.Count);
                grid.Add($"tasks {Format.State(state)}", count.ToString(CultureInfo.InvariantCulture));
            }
        }

        var oldest = stats.OldestQueuedAge?.ToTimeSpan() ?? TimeSpan.Zero;
        grid.Add(
            "oldest queued",
            oldest > TimeSpan.Zero
                ? Markup.Escape($"{Format.Span(oldest)} (job {Format.OrNone(stats.OldestQueuedJobId)})")
                : "none waiting");
        grid.Add("agents connected", stats.ConnectedAgents.ToString(CultureInfo.InvariantCulture));
        grid.Add("slots busy/total", $"{stats.BusySlots}/{stats.TotalSlots}");
        return stats.Throughput.Count == 0 ? grid : new Rows(grid, Text.NewLine, ThroughputTable.Render(stats.Throughput));
    }
}
