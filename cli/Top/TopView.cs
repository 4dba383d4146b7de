using System.Globalization;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Top;

/// <summary>
/// One frame of `farmctl top` drawn from a <see cref="FarmModel"/>: a header, the agents and their work, the
/// queue, and the active jobs. Pure: the same model, time and width give the same text.
/// </summary>
internal static class TopView
{
    /// <summary>Active jobs listed before the rest are summed up in one line.</summary>
    public const int MaxJobRows = 20;

    public static IRenderable Render(FarmModel model, DateTimeOffset now, TimeZoneInfo zone, int maxJobRows = MaxJobRows)
    {
        if (!model.HasSnapshot)
        {
            return new Text("waiting for the farm's snapshot from the coordinator...");
        }

        return new Rows(
            Header(model, zone),
            TopAgentsTable.Render(model.Agents),
            Queue(model, now),
            TopJobsTable.Render(model.ActiveJobs, now, zone, maxJobRows));
    }

    private static Markup Header(FarmModel model, TimeZoneInfo zone)
    {
        var connected = model.Agents.Where(a => a.State != AgentState.Disconnected).ToList();
        var slots = connected.Sum(a => (long)a.Slots);
        var busy = connected.Sum(a => (long)(a.Slots - Math.Min(a.FreeSlots, a.Slots)));
        var at = model.UpdateTime is { } time ? TimeZoneInfo.ConvertTime(time, zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture) : Format.None;
        var text = $"[bold]farm[/] at {at} · {connected.Count} agent(s) connected · slots {busy}/{slots} busy · {model.ActiveJobs.Count} active job(s)";
        return new Markup(model.IsLive ? text : $"{text} · [yellow]stale: {Markup.Escape(model.Problem ?? "reconnecting")}[/]");
    }

    private static Grid Queue(FarmModel model, DateTimeOffset now)
    {
        var grid = Tables.Properties()
            .Add("jobs", Counts(model.JobCounts().Select(c => (Format.State(c.Key), c.Value))))
            .Add("tasks", Counts(model.TaskCounts().Select(c => (Format.State(c.Key), c.Value))));
        return grid.Add(
            "oldest queued",
            model.OldestQueued() is { } oldest
                ? Markup.Escape($"{oldest.Job.Id} {Label(oldest.Job)}, {Format.Span(now > oldest.Since ? now - oldest.Since : TimeSpan.Zero)}")
                : "none waiting");
    }

    private static string Counts(IEnumerable<(string State, long Count)> counts) =>
        string.Join(" · ", counts.Select(c => $"{c.State} {c.Count.ToString(CultureInfo.InvariantCulture)}"));

    public static string Label(Job job) => string.IsNullOrWhiteSpace(job.Spec?.Name) ? Format.FileName(job.Spec?.OutputPath ?? "") : job.Spec.Name;
}
