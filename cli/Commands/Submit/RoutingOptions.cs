using System.CommandLine;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>Which agents may run a submitted job, and how many at once (docs/routing.md).</summary>
internal sealed class RoutingOptions
{
    public Option<string[]> RequireTag { get; } = new("--require-tag")
    {
        Description = "Run only on agents with this tag (Agent:Tags); repeat for several, all required.",
        HelpName = "TAG",
    };

    public Option<string?> Pool { get; } = new("--pool")
    {
        Description = "Run only on agents in this pool (Agent:Pools); they serve their first pool's work first.",
        HelpName = "NAME",
    };

    public Option<uint> MaxAgents { get; } = new("--max-agents")
    {
        Description = "Run the job's tasks on at most N agents at once (chunked jobs; default: no cap).",
        HelpName = "N",
    };

    public Option<string?> LimitGroup { get; } = new("--limit-group")
    {
        Description = "Count its tasks against a farm-wide limit group (Coordinator:Limits:NAME=N), e.g. a licensed encoder.",
        HelpName = "NAME",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { RequireTag, Pool, MaxAgents, LimitGroup })
        {
            command.Options.Add(option);
        }
    }

    public void ApplyTo(JobSpec spec, ParseResult result)
    {
        spec.RequiredTags.AddRange(result.GetValue(RequireTag) ?? []);
        spec.Pool = result.GetValue(Pool) ?? "";
        spec.MaxAgents = result.GetValue(MaxAgents);
        spec.LimitGroup = result.GetValue(LimitGroup) ?? "";
    }
}
