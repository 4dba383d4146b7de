using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl agents revoke AGENT` (operators).</summary>
internal static class AgentRevokeCommand
{
    public static Command Create(CommandRunner runner)
    {
        var agent = new Argument<string>("AGENT") { Description = "The agent's name, as `farmctl agents` shows it." };
        var command = new Command(
            "revoke",
            "Revoke an agent's credential: its stream is closed at once and its work goes back to the queue. To let it back in, " +
            "delete its credential file and restart it with the enrollment token.")
        {
            agent,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Access.RevokeAgentAsync(new RevokeAgentRequest { AgentName = context.Get(agent) }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else context.Console.WriteLine($"revoked agent {response.Agent.AgentName}; {response.RequeuedAttempts} attempt(s) back in the queue");
            return ExitCodes.Success;
        });
        return command;
    }
}
