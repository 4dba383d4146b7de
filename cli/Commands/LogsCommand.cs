using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Logs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl logs JOB [--task T] [--attempt A] [--follow]`: ffmpeg's full log of one attempt.</summary>
internal static class LogsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var task = new Option<string?>("--task") { Description = "The task (default: the job's first task).", HelpName = "TASK" };
        var attempt = new Option<string?>("--attempt") { Description = "The attempt (default: the task's latest).", HelpName = "ATTEMPT" };
        var follow = new Option<bool>("--follow", "-f")
        {
            Description = "Keep printing as the log grows, through retries, until the job ends; " +
                          "then exit 0 if it succeeded, 1 if it failed, 2 if it was canceled.",
        };
        var command = new Command(
            "logs",
            "Print ffmpeg's log of a job's task (its latest attempt unless --attempt). The log goes to stdout; " +
            "with --json, one GetTaskLogResponse (or one per line with --follow).")
        {
            id, task, attempt, follow,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var onPage = Printer(context, context.Get(follow));
            if (context.Get(follow))
            {
                return await new LogFollower(context, onPage).FollowAsync(context.Get(id), context.Get(task), context.Get(attempt), cancellationToken);
            }

            var text = new System.Text.StringBuilder();
            var request = new GetTaskLogRequest { JobId = context.Get(id), TaskId = context.Get(task) ?? "", AttemptId = context.Get(attempt) ?? "" };
            var last = await new AttemptLog(context).ReadAsync(request, follow: false, page =>
            {
                text.Append(page.Text);
                onPage(page);
            }, cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(new GetTaskLogResponse
                {
                    AttemptId = last.AttemptId, Text = text.ToString(), NextPageToken = last.NextPageToken, Complete = last.Complete, SizeBytes = last.SizeBytes,
                });
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Log text straight to stdout (no markup, no wrapping); JSON lines when following with --json.</summary>
    private static Action<GetTaskLogResponse> Printer(CommandContext context, bool follow) => page =>
    {
        if (context.Json)
        {
            if (follow)
            {
                context.JsonOut.WriteLine(page);
            }

            return;
        }

        context.Environment.Out.Write(page.Text);
        context.Environment.Out.Flush();
    };
}
