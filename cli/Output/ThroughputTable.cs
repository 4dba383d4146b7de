using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>Finished work per recent window: tasks done and failed, frames, tasks per minute, frames per second.</summary>
internal static class ThroughputTable
{
    public static Table Render(IEnumerable<Throughput> windows)
    {
        var table = Tables.Create("WINDOW", "SUCCEEDED", "FAILED", "FRAMES", "TASKS/MIN", "FRAMES/S");
        for (var column = 1; column < table.Columns.Count; column++)
        {
            table.Columns[column].RightAligned();
        }

        foreach (var window in windows.OrderBy(w => w.Window?.ToTimeSpan() ?? TimeSpan.Zero))
        {
            table.AddRow(
                $"last {Clock.Duration(window.Window?.ToTimeSpan() ?? TimeSpan.Zero)}",
                window.TasksSucceeded.ToString(CultureInfo.InvariantCulture),
                window.TasksFailed.ToString(CultureInfo.InvariantCulture),
                window.Frames.ToString(CultureInfo.InvariantCulture),
                Format.Number(window.TasksPerMinute, "0.0#"),
                Format.Number(window.FramesPerSecond, "0.0"));
        }

        return table;
    }
}
