using System.CommandLine;
using Grpc.Core;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Top;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl top`: the farm live: agents and their work, the queue, the active jobs.</summary>
internal static class TopCommand
{
    public static Command Create(CommandRunner runner)
    {
        var once = new Option<bool>("--once") { Description = "Print one frame (with --json: the snapshot event) and exit 0." };
        var command = new Command(
            "top",
            "Watch the farm live: agents and the work they run, the queue, and the active jobs with why queued ones wait. " +
            "Redrawn in place on a terminal, new frames elsewhere; --json streams every farm event as a JSON line (a snapshot " +
            "line means start over). Rejoins with a fresh snapshot when the stream breaks. Ctrl+C ends it (exit 130).")
        {
            once,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            if (context.Get(once))
            {
                return await TopLoop.OnceAsync(context, cancellationToken);
            }

            try
            {
                await (context.Json ? TopLoop.StreamJsonAsync(context, cancellationToken) : TopLoop.RunAsync(context, cancellationToken));
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested &&
                                      e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // Ctrl+C is how top ends; nothing was interrupted on the farm.
            }

            return ExitCodes.Interrupted;
        });
        return command;
    }
}
