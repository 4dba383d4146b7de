using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl jobs`: one row per job.</summary>
internal static class JobTable
{
    public static Table Render(IEnumerable<Job> jobs, TimeProvider time)
    {
        var table = Tables.Create("ID", "NAME", "STATE", "PERCENT", "PRESET", "CREATED", "INPUT → OUTPUT");
        table.Columns[3].RightAligned();
        foreach (var column in new[] { 1, 4, 5, 6 })
        {
            // On a narrow terminal these wrap; id, state and percent never do.
            table.Columns[column].NoWrap = false;
        }
        foreach (var job in jobs)
        {
            var spec = job.Spec ?? new JobSpec();
            table.AddRow(
                Format.Escape(job.Id),
                Format.Escape(spec.Name),
                Format.StateMarkup(job.State) + (job.Pause is null ? "" : " [yellow](paused)[/]"),
                Format.Percent(job.Percent),
                Format.Escape(Format.Preset(spec.Output?.Preset ?? Preset.Unspecified)),
                Format.ShortTime(job.CreateTime, time),
                Format.Escape($"{Format.FileName(spec.InputPath)} → {Format.FileName(spec.OutputPath)}"));
        }

        return table;
    }
}
