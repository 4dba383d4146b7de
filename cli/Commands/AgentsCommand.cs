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
        var command = new Command(
            "agents",
            "List the render agents: state (idle, busy, away, paused, draining, drained, unreachable, disconnected), busy and total slots, the work they run, " +
            "machine, load, ffmpeg, last heartbeat, and the operator's schedule where one is set. `agents drain` and `agents resume` " +
            "take one out of and back into service; `agents schedule` sets the hours it may work.");
        command.Subcommands.Add(AgentDrainCommands.Drain(runner));
        command.Subcommands.Add(AgentDrainCommands.Resume(runner));
        command.Subcommands.Add(AgentRevokeCommand.Create(runner));
        command.Subcommands.Add(AgentScheduleCommand.Create(runner));
        command.Subcommands.Add(AgentForgetCommand.Create(runner));
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
