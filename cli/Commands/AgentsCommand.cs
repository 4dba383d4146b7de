using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl agents`.</summary>
internal static class AgentsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("agents", "List the render agents: state, busy and total slots, machine, ffmpeg, last heartbeat.");
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Farm.ListAgentsAsync(new ListAgentsRequest(), cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
            }
            else
            {
                context.Console.Write(AgentTable.Render(response.Agents, context.Environment.Time));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
