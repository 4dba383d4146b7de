using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>
/// The filter of `farmctl cancel` and `farmctl retry` without an ID (--state, --owner, --name, --batch, --dry-run), and the answer
/// they print: what changed (or would), and what matched but was passed over.
/// </summary>
internal sealed class JobFilterOptions
{
    public Option<string[]> State { get; } = new("--state") { Description = "Jobs in this state; repeat for several.", HelpName = "STATE" };
    public Option<string?> Owner { get; } = new("--owner") { Description = "Jobs submitted with this key's name.", HelpName = "NAME" };
    public Option<string?> Name { get; } = new("--name") { Description = "Jobs whose name matches this pattern (`*` any characters, `?` one; quote it).", HelpName = "PATTERN" };
    public Option<string?> Batch { get; } = new("--batch") { Description = "Jobs of this batch (batch-...); with --dry-run, see which first.", HelpName = "BATCH" };
    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "List the jobs it would change; change nothing." };

    public JobFilterOptions() => State.AcceptOnlyFromAmong([.. JobsCommand.States.Keys]);

    /// <summary>Adds the options; an ID and a filter are exclusive, and one of them is needed.</summary>
    public void AddTo(Command command, Argument<string?> id)
    {
        command.Options.Add(State);
        command.Options.Add(Owner);
        command.Options.Add(Name);
        command.Options.Add(Batch);
        command.Options.Add(DryRun);
        command.Validators.Add(result =>
        {
            var hasId = result.GetValue(id) is { Length: > 0 };
            var hasFilter = (result.GetValue(State)?.Length ?? 0) > 0 || result.GetValue(Owner) is { Length: > 0 } || result.GetValue(Name) is { Length: > 0 }
                || result.GetValue(Batch) is { Length: > 0 };
            if (hasId && (hasFilter || result.GetValue(DryRun))) result.AddError("Give either a job ID or a filter (--state, --owner, --name, --batch, --dry-run), not both.");
            else if (!hasId && !hasFilter) result.AddError("Give a job ID, or a filter: --state, --owner, --name or --batch (add --dry-run to see what it matches).");
        });
    }

    public JobFilter Filter(CommandContext context)
    {
        var filter = new JobFilter { Owner = context.Get(Owner) ?? "", NamePattern = context.Get(Name) ?? "", BatchId = context.Get(Batch) ?? "" };
        filter.States.AddRange((context.Get(State) ?? []).Select(s => JobsCommand.States[s]).Distinct());
        return filter;
    }

    /// <summary>Prints the jobs changed (or, in a dry run, that would be) and those passed over with why.</summary>
    public void Write(CommandContext context, IReadOnlyList<Job> jobs, IReadOnlyList<SkippedJob> skipped, bool dryRun, string done, string wouldDo)
    {
        var count = Format.Count(jobs.Count, "job");
        context.Console.MarkupLine(Markup.Escape(dryRun ? $"would {wouldDo} {count} (dry run: nothing changed)" : $"{done} {count}"));
        if (jobs.Count > 0) context.Console.Write(JobTable.Render(jobs, context.Environment.Time));
        if (skipped.Count == 0) return;
        context.Console.MarkupLine(Markup.Escape($"passed over {Format.Count(skipped.Count, "job")}:"));
        foreach (var s in skipped)
        {
            context.Console.MarkupLine(Markup.Escape($"  {s.JobId} {s.Name}: {s.Reason}"));
        }
    }
}
