using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl agents forget AGENT`: a disconnected agent leaves the list now.</summary>
internal static class AgentForgetCommand
{
    public static Command Create(CommandRunner runner)
    {
        var agent = new Argument<string>("AGENT") { Description = "The agent's name or id, as `farmctl agents` shows it." };
        var command = new Command(
            "forget",
            "Remove a disconnected agent from the list now (Coordinator:Retention:DisconnectedAgents does it after a while). " +
            "It is listed again if it connects; a drain stays.")
        {
            agent,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var id = await AgentLookup.ResolveIdAsync(context, context.Get(agent), cancellationToken);
            await context.Farm.ForgetAgentAsync(new ForgetAgentRequest { AgentId = id }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(new ForgetAgentResponse());
            else context.Console.WriteLine($"forgot agent {id}");
            return ExitCodes.Success;
        });
        return command;
    }
}
