using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Watching;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl watch ID`: the live view of a job until it ends.</summary>
internal static class WatchCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var command = new Command(
            "watch",
            "Follow a job (or a batch: batch-...) with a live progress bar until it ends, then print its result or error. " +
            "Exit code 0 if it succeeded, 1 if it failed, 2 if it was canceled.")
        {
            id,
        };
        runner.Bind(command, (context, cancellationToken) => Batches.BatchCommand.IsBatchId(context.Get(id))
            ? BatchWatcher.WatchAsync(context, context.Get(id), cancellationToken)
            : JobWatcher.WatchAsync(context, context.Get(id), cancellationToken));
        return command;
    }
}
