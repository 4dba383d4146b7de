using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl retry ID`.</summary>
internal static class RetryCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var command = new Command("retry", "Queue a failed or canceled job again with a fresh retry budget, or every failed or canceled job of a batch (batch-...).") { id };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            if (Batches.BatchCommand.IsBatchId(context.Get(id))) return await Batches.BatchCommand.ChangeAsync(context, context.Get(id), cancel: false, cancellationToken);
            var job = (await context.Jobs.RetryJobAsync(new RetryJobRequest { JobId = context.Get(id) }, cancellationToken: cancellationToken)).Job;
            JobReply.Write(context, job, $"queued job {job.Id} again");
            return ExitCodes.Success;
        });
        return command;
    }
}
