using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>A batch in words: its counts on one line, and the whole view (recipe, state, counts, failures).</summary>
internal static class BatchText
{
    /// <summary>"500 jobs: 480 succeeded, 7 failed, 3 running, 10 queued".</summary>
    public static string Counts(BatchCounts? c)
    {
        if (c is null) return Format.None;
        var parts = new List<string>();
        void Add(uint n, string what)
        {
            if (n > 0) parts.Add($"{n.ToString(CultureInfo.InvariantCulture)} {what}");
        }

        Add(c.Succeeded, "succeeded");
        Add(c.Failed, "failed");
        Add(c.Canceled, "canceled");
        Add(c.Running, "running");
        Add(c.Queued, "queued");
        Add(c.Waiting, "waiting");
        return $"{c.Total.ToString(CultureInfo.InvariantCulture)} jobs: {(parts.Count == 0 ? "none yet" : string.Join(", ", parts))}";
    }

    public static IRenderable Render(Batch batch, TimeProvider time)
    {
        var grid = Tables.Properties()
            .Add("batch", Markup.Escape($"{batch.Id} ({batch.Name})"))
            .Add("recipe", Markup.Escape($"{batch.RecipeName} version {batch.RecipeVersion}"))
            .Add("state", $"{Format.StateMarkup(batch.State)} {Format.Percent(batch.Percent)}")
            .Add("jobs", Markup.Escape(Counts(batch.Counts)))
            .Add("submitted", Markup.Escape($"{Format.Time(batch.CreateTime, time)} by {Format.OrNone(batch.Owner)}"));
        if (batch.FailedJobs.Count == 0) return grid;

        var failed = Tables.Create("FAILED JOB", "INPUT", "ERROR");
        foreach (var job in batch.FailedJobs)
        {
            failed.AddRow(Markup.Escape(job.Id), Markup.Escape(Format.FileName(job.Spec?.InputPath ?? "")), Format.Escape(job.Error));
        }

        return new Rows(grid, failed);
    }
}
