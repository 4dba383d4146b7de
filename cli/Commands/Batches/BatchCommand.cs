using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands.Batches;

/// <summary>`farmctl batch BATCH` (one batch) and `farmctl batches` (the newest).</summary>
internal static class BatchCommand
{
    /// <summary>Batch ids start with this; watch, cancel and retry take them beside job ids.</summary>
    public const string IdPrefix = "batch-";

    public static bool IsBatchId(string id) => id.StartsWith(IdPrefix, StringComparison.Ordinal);

    public static Command Create(CommandRunner runner)
    {
        var id = new Argument<string>("BATCH") { Description = "The batch's id, as `farmctl batches` shows it." };
        var command = new Command("batch", "Show a batch: its recipe, state, counts of jobs by state and its failed jobs.") { id };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var batch = (await context.Batches.GetBatchAsync(new GetBatchRequest { BatchId = context.Get(id) }, cancellationToken: cancellationToken)).Batch;
            if (context.Json) context.JsonOut.Write(batch);
            else context.Console.Write(BatchText.Render(batch, context.Environment.Time));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateList(CommandRunner runner)
    {
        var limit = new Option<uint>("--limit") { Description = "How many batches, newest first (default 50).", HelpName = "N" };
        var command = new Command("batches", "List the newest batches with their counts.") { limit };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Batches.ListBatchesAsync(new ListBatchesRequest { PageSize = context.Get(limit) }, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
                return ExitCodes.Success;
            }

            var table = Tables.Create("BATCH", "NAME", "RECIPE", "STATE", "DONE", "JOBS");
            foreach (var batch in response.Batches)
            {
                table.AddRow(Markup.Escape(batch.Id), Markup.Escape(batch.Name), Markup.Escape($"{batch.RecipeName} v{batch.RecipeVersion}"),
                    Format.StateMarkup(batch.State), Format.Percent(batch.Percent), Markup.Escape(BatchText.Counts(batch.Counts)));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Cancels (or retries) a batch's jobs and says how many.</summary>
    public static async Task<int> ChangeAsync(CommandContext context, string batchId, bool cancel, CancellationToken cancellationToken)
    {
        Batch batch;
        string said;
        if (cancel)
        {
            var response = await context.Batches.CancelBatchAsync(new CancelBatchRequest { BatchId = batchId }, cancellationToken: cancellationToken);
            (batch, said) = (response.Batch, $"canceled {response.CanceledJobs} jobs of batch {batchId}");
        }
        else
        {
            var response = await context.Batches.RetryBatchAsync(new RetryBatchRequest { BatchId = batchId }, cancellationToken: cancellationToken);
            (batch, said) = (response.Batch, $"queued {response.RetriedJobs} jobs of batch {batchId} again");
        }

        if (context.Json)
        {
            context.JsonOut.Write(batch);
            return ExitCodes.Success;
        }

        context.Console.WriteLine($"{said}; {BatchText.Counts(batch.Counts)}");
        return ExitCodes.Success;
    }
}
