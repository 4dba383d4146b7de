using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl stats`.</summary>
internal static class StatsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("stats", "Show the queue: jobs and tasks per state, how long the oldest queued job has waited, agents and slots, and throughput (tasks/min, frames/s) over recent windows.");
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var stats = await context.Farm.GetQueueStatsAsync(new GetQueueStatsRequest(), cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(stats);
            }
            else
            {
                context.Console.Write(StatsView.Render(stats));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
