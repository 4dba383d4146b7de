using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl agents drain AGENT [--reason R]` and `farmctl agents resume AGENT`.</summary>
internal static class AgentDrainCommands
{
    public static Command Drain(CommandRunner runner)
    {
        var agent = AgentArgument();
        var reason = new Option<string?>("--reason")
        {
            Description = "Why, shown to other operators in `farmctl agents` and `top` (default: drained by an operator).",
            HelpName = "TEXT",
        };
        var command = new Command(
            "drain",
            "Stop giving an agent new work; what it runs finishes. It stays drained, across restarts, until `agents resume`.")
        {
            agent, reason,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var id = await AgentLookup.ResolveIdAsync(context, context.Get(agent), cancellationToken);
            var request = new DrainAgentRequest { AgentId = id, Reason = context.Get(reason) ?? "" };
            var drained = (await context.Farm.DrainAgentAsync(request, cancellationToken: cancellationToken)).Agent;
            var running = drained.Running.Count > 0 ? $"; still finishing {drained.Running.Count} attempt(s)" : "";
            Write(context, drained, $"drained agent {Label(drained)}{running}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Resume(CommandRunner runner)
    {
        var agent = AgentArgument();
        var command = new Command("resume", "Give a drained agent work again.") { agent };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var id = await AgentLookup.ResolveIdAsync(context, context.Get(agent), cancellationToken);
            var resumed = (await context.Farm.ResumeAgentAsync(new ResumeAgentRequest { AgentId = id }, cancellationToken: cancellationToken)).Agent;
            Write(context, resumed, $"resumed agent {Label(resumed)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> AgentArgument() => new("AGENT") { Description = "The agent's name or id, as `farmctl agents` shows it." };

    private static string Label(AgentInfo agent) => agent.Name.Length > 0 ? $"{agent.Name} ({agent.Id})" : agent.Id;

    private static void Write(CommandContext context, AgentInfo agent, string what)
    {
        if (context.Json)
        {
            context.JsonOut.Write(agent);
            return;
        }

        context.Console.MarkupLine($"{Markup.Escape(what)}: {Markup.Escape(AgentTable.State(agent))}");
    }
}
