using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl attempts cancel ATTEMPT [--reason R]`: stop one running attempt without failing its job.</summary>
internal static class AttemptsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var attempts = new Command("attempts", "Act on one attempt of a task (attempt ids are in `farmctl job ID` and `farmctl agents --json`).");
        attempts.Subcommands.Add(Cancel(runner));
        return attempts;
    }

    private static Command Cancel(CommandRunner runner)
    {
        var id = new Argument<string>("ATTEMPT") { Description = "The attempt's id, as `farmctl job ID` shows it." };
        var reason = new Option<string?>("--reason") { Description = "Why, recorded as the attempt's error.", HelpName = "TEXT" };
        var command = new Command(
            "cancel",
            "Stop one running attempt (a stuck or misplaced render). Its task goes back to the queue without burning a retry; " +
            "to stop the whole job use `farmctl cancel`.")
        {
            id, reason,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var request = new CancelAttemptRequest { AttemptId = context.Get(id), Reason = context.Get(reason) ?? "" };
            var job = (await context.Farm.CancelAttemptAsync(request, cancellationToken: cancellationToken)).Job;
            JobReply.Write(context, job, $"canceled attempt {request.AttemptId}; its task goes back to the queue. job {job.Id}");
            return ExitCodes.Success;
        });
        return command;
    }
}
