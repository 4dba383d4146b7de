using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl job priority ID N`, `farmctl job pause ID [--reason R]` and `farmctl job resume ID`.</summary>
internal static class JobControlCommands
{
    public static Command Priority(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var priority = new Argument<int>("N") { Description = "The new priority, -100 to 100; higher runs first." };
        var command = new Command("priority", "Change a queued or running job's priority; its tasks not yet running move in the queue at once.") { id, priority };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var request = new SetJobPriorityRequest { JobId = context.Get(id), Priority = context.Get(priority) };
            var job = (await context.Jobs.SetJobPriorityAsync(request, cancellationToken: cancellationToken)).Job;
            JobReply.Write(context, job, $"job {job.Id} has priority {job.Spec.Priority}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Pause(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var reason = new Option<string?>("--reason") { Description = "Why, shown in the job's wait reason.", HelpName = "TEXT" };
        var command = new Command("pause", "Dispatch nothing new of a job until `job resume`; attempts already running finish.") { id, reason };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var request = new PauseJobRequest { JobId = context.Get(id), Reason = context.Get(reason) ?? "" };
            var job = (await context.Jobs.PauseJobAsync(request, cancellationToken: cancellationToken)).Job;
            var running = job.Tasks.Count(t => t.State is TaskState.Assigned or TaskState.Running);
            JobReply.Write(context, job, $"paused job {job.Id}" + (running > 0 ? $" ({running} running task(s) finish)" : ""));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Resume(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var command = new Command("resume", "Dispatch a paused job's tasks again.") { id };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var job = (await context.Jobs.ResumeJobAsync(new ResumeJobRequest { JobId = context.Get(id) }, cancellationToken: cancellationToken)).Job;
            JobReply.Write(context, job, $"resumed job {job.Id}");
            return ExitCodes.Success;
        });
        return command;
    }
}
