using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl cancel ID`.</summary>
internal static class CancelCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var command = new Command("cancel", "Cancel a job that has not finished (its agents stop and clean up), or every unfinished job of a batch (batch-...).") { id };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            if (Batches.BatchCommand.IsBatchId(context.Get(id))) return await Batches.BatchCommand.ChangeAsync(context, context.Get(id), cancel: true, cancellationToken);
            var job = (await context.Jobs.CancelJobAsync(new CancelJobRequest { JobId = context.Get(id) }, cancellationToken: cancellationToken)).Job;
            JobReply.Write(context, job, $"canceled job {job.Id}");
            return ExitCodes.Success;
        });
        return command;
    }
}
