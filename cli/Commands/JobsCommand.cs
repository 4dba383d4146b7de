using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl jobs`: lists jobs newest first, following page tokens.</summary>
internal static class JobsCommand
{
    /// <summary>The largest page the coordinator serves.</summary>
    public const int MaxPageSize = 500;

    /// <summary>The longest owner, name or batch the coordinator takes as a filter.</summary>
    public const int MaxFilterLength = 200;

    internal static readonly Dictionary<string, JobState> States = new(StringComparer.OrdinalIgnoreCase)
    {
        ["waiting"] = JobState.Waiting,
        ["queued"] = JobState.Queued,
        ["running"] = JobState.Running,
        ["succeeded"] = JobState.Succeeded,
        ["failed"] = JobState.Failed,
        ["canceled"] = JobState.Canceled,
    };

    public static Command Create(CommandRunner runner)
    {
        var state = new Option<string[]>("--state")
        {
            Description = "Only jobs in this state; repeat for several.",
            HelpName = "STATE",
        };
        state.AcceptOnlyFromAmong([.. States.Keys]);
        var limit = new Option<int>("--limit")
        {
            Description = "Show at most N jobs.",
            HelpName = "N",
            DefaultValueFactory = _ => 50,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--limit must be at least 1.");
            }
        });
        var all = new Option<bool>("--all") { Description = "Show every job (follows all pages; ignores --limit)." };
        var owner = new Option<string?>("--owner") { Description = "Only jobs submitted with this key's name (exactly).", HelpName = "NAME" };
        var name = new Option<string?>("--name") { Description = "Only jobs whose name contains this text, ignoring case.", HelpName = "TEXT" };
        var batch = new Option<string?>("--batch") { Description = "Only jobs of this batch (batch-...).", HelpName = "BATCH" };
        foreach (var text in new[] { owner, name, batch })
        {
            text.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<string?>() is { Length: > MaxFilterLength } value)
                {
                    result.AddError($"{text.Name} is {value.Length} characters; use at most {MaxFilterLength}.");
                }
            });
        }

        var command = new Command("jobs", "List jobs, newest first.") { state, limit, all, owner, name, batch };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var states = (context.Get(state) ?? []).Select(s => States[s]).Distinct().ToList();
            var wanted = context.Get(all) ? int.MaxValue : context.Get(limit);
            var filter = new ListJobsRequest { Owner = context.Get(owner) ?? "", NameContains = context.Get(name) ?? "", BatchId = context.Get(batch) ?? "" };
            filter.States.AddRange(states);
            var page = await ListAsync(context.Jobs, filter, wanted, cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(page);
            }
            else
            {
                context.Console.Write(JobTable.Render(page.Jobs, context.Environment.Time));
                if (page.NextPageToken.Length > 0)
                {
                    context.Console.WriteLine($"showing {Format.Count(page.Jobs.Count, "job")}; more match (use --limit N or --all)");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Up to <paramref name="wanted"/> jobs that <paramref name="filter"/>'s states, owner, name and batch let through; NextPageToken stays set when more remain.</summary>
    internal static async Task<ListJobsResponse> ListAsync(
        JobService.JobServiceClient client, ListJobsRequest filter, int wanted, CancellationToken cancellationToken)
    {
        var result = new ListJobsResponse();
        var token = "";
        do
        {
            var request = filter.Clone();
            request.PageSize = (uint)Math.Min(wanted - result.Jobs.Count, MaxPageSize);
            request.PageToken = token;
            var page = await client.ListJobsAsync(request, cancellationToken: cancellationToken);
            result.Jobs.AddRange(page.Jobs.Take(wanted - result.Jobs.Count));
            token = page.NextPageToken;
            if (page.Jobs.Count == 0)
            {
                break;
            }
        }
        while (token.Length > 0 && result.Jobs.Count < wanted);

        result.NextPageToken = token;
        return result;
    }
}
