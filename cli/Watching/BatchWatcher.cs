using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Connection;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Watching;

/// <summary>
/// Follows WatchBatch until every job of the batch has ended: a line whenever the counts change (none with --json),
/// then the batch's view. The exit code is the batch's end state's, as for a job.
/// </summary>
internal static class BatchWatcher
{
    private static readonly TimeSpan Rewatch = TimeSpan.FromSeconds(1);

    public static async Task<int> WatchAsync(CommandContext context, string batchId, CancellationToken cancellationToken)
    {
        string? last = null;
        var batch = await FollowAsync(context, batchId, update =>
        {
            if (context.Json) return;
            var line = $"{Format.State(update.State)} {Format.Percent(update.Percent)}  {BatchText.Counts(update.Counts)}";
            if (line == last) return;
            last = line;
            context.Console.WriteLine($"{batchId} {line}");
        }, cancellationToken);
        if (context.Json) context.JsonOut.Write(batch);
        else context.Console.Write(BatchText.Render(batch, context.Environment.Time));
        return JobOutcome.ExitCode(batch.State);
    }

    private static async Task<Batch> FollowAsync(CommandContext context, string batchId, Action<Batch> onUpdate, CancellationToken cancellationToken)
    {
        var failover = new Failover(context);
        while (true)
        {
            try
            {
                using var call = context.Batches.WatchBatch(new WatchBatchRequest { BatchId = batchId }, cancellationToken: cancellationToken);
                await foreach (var update in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    failover.Reached();
                    onUpdate(update.Batch);
                    if (JobOutcome.IsFinished(update.Batch.State)) return update.Batch;
                }
            }
            catch (RpcException e)
            {
                if (!await failover.RetryAsync(e, cancellationToken)) throw;
                continue;
            }

            await Task.Delay(Rewatch, context.Environment.Time, cancellationToken);
        }
    }
}
