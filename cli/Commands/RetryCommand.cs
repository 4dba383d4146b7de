using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl retry ID`, or `farmctl retry --state failed --owner alice [--dry-run]` for every job that matches.</summary>
internal static class RetryCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string?>("ID") { Description = "The job's id, as `farmctl jobs` shows it, or a batch's (batch-...); or a filter instead.", Arity = ArgumentArity.ZeroOrOne };
        var filter = new JobFilterOptions();
        var command = new Command("retry", "Queue a failed or canceled job again with a fresh retry budget, every failed or canceled job of a batch (batch-...), or every such job a filter matches.") { id };
        filter.AddTo(command, id);
        runner.Bind(command, async (context, cancellationToken) =>
        {
            if (context.Get(id) is { Length: > 0 } jobId)
            {
                if (Batches.BatchCommand.IsBatchId(jobId)) return await Batches.BatchCommand.ChangeAsync(context, jobId, cancel: false, cancellationToken);

                var job = (await context.Jobs.RetryJobAsync(new RetryJobRequest { JobId = jobId }, cancellationToken: cancellationToken)).Job;
                JobReply.Write(context, job, $"queued job {job.Id} again");
                return ExitCodes.Success;
            }

            var dryRun = context.Get(filter.DryRun);
            var response = await context.Jobs.RetryJobsAsync(new RetryJobsRequest { Filter = filter.Filter(context), DryRun = dryRun }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else filter.Write(context, response.Jobs, response.Skipped, dryRun, "queued again", "retry");
            return ExitCodes.Success;
        });
        return command;
    }
}
