using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl job ID`: everything about one job, from its schedule down to each attempt's log tail.</summary>
internal static class JobCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var timeline = new Option<bool>("--timeline")
        {
            Description = "Show where each attempt's time went: submitted, claimed, the agent's steps (open, probe, ffmpeg, verify, sha256, " +
                "publish-grant, rename ...), committed; with when each began, how long it took and the gap before it.",
        };
        var command = new Command("job", "Show one job: its recipe and schedule, its tasks and why they wait, every attempt (agent, times, outcome, failure, log size, log tail).")
        {
            id, timeline,
        };
        command.Subcommands.Add(JobControlCommands.Priority(runner));
        command.Subcommands.Add(JobControlCommands.Pause(runner));
        command.Subcommands.Add(JobControlCommands.Resume(runner));
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var job = (await context.Jobs.GetJobAsync(new GetJobRequest { JobId = context.Get(id) }, cancellationToken: cancellationToken)).Job;
            if (context.Json)
            {
                context.JsonOut.Write(job);
            }
            else if (context.Get(timeline))
            {
                foreach (var line in TimelineView.Lines(job))
                {
                    context.Console.WriteLine(line);
                }
            }
            else
            {
                foreach (var part in JobDetailsView.Render(job, context.Environment.Time))
                {
                    context.Console.Write(part);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
