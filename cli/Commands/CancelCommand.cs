using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl cancel ID`, or `farmctl cancel --state queued --name 'test-*' [--dry-run]` for every job that matches.</summary>
internal static class CancelCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string?>("ID") { Description = "The job's id, as `farmctl jobs` shows it, or a batch's (batch-...); or a filter instead.", Arity = ArgumentArity.ZeroOrOne };
        var filter = new JobFilterOptions();
        var command = new Command("cancel", "Cancel a job that has not finished (its agents stop and clean up), every unfinished job of a batch (batch-...), or every job a filter matches.") { id };
        filter.AddTo(command, id);
        runner.Bind(command, async (context, cancellationToken) =>
        {
            if (context.Get(id) is { Length: > 0 } jobId)
            {
                if (Batches.BatchCommand.IsBatchId(jobId)) return await Batches.BatchCommand.ChangeAsync(context, jobId, cancel: true, cancellationToken);

                var job = (await context.Jobs.CancelJobAsync(new CancelJobRequest { JobId = jobId }, cancellationToken: cancellationToken)).Job;
                JobReply.Write(context, job, $"canceled job {job.Id}");
                return ExitCodes.Success;
            }

            var dryRun = context.Get(filter.DryRun);
            var response = await context.Jobs.CancelJobsAsync(new CancelJobsRequest { Filter = filter.Filter(context), DryRun = dryRun }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else filter.Write(context, response.Jobs, response.Skipped, dryRun, "canceled", "cancel");
            return ExitCodes.Success;
        });
        return command;
    }
}
