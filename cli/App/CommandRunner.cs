using System.CommandLine;
using Grpc.Core;
using RenderFarm.Cli.Connection;

namespace RenderFarm.Cli.App;

/// <summary>Runs a command's action: resolves the coordinator, opens the channel, turns RPC errors into exit codes.</summary>
internal sealed class CommandRunner(FarmctlEnvironment environment, GlobalOptions globals)
{
    public void Bind(Command command, Func<CommandContext, CancellationToken, Task<int>> action) =>
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, action, cancellationToken));

    private async Task<int> RunAsync(
        ParseResult parseResult,
        Func<CommandContext, CancellationToken, Task<int>> action,
        CancellationToken cancellationToken)
    {
        if (!CoordinatorAddress.TryResolve(
                parseResult.GetValue(globals.Coordinator),
                environment.GetEnvironmentVariable,
                out var coordinator,
                out var problem))
        {
            await environment.Error.WriteLineAsync($"error: {problem}");
            return ExitCodes.Usage;
        }

        using var context = new CommandContext(parseResult, environment, coordinator, parseResult.GetValue(globals.Json));
        if (context.Settings.Warning is { } warning) await environment.Error.WriteLineAsync(warning);
        try
        {
            return await action(context, cancellationToken);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested &&
                                  e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            await environment.Error.WriteLineAsync("interrupted: farmctl stopped watching; the job keeps running on the farm.");
            return ExitCodes.Interrupted;
        }
        catch (RpcException e)
        {
            return RpcErrorReporter.Report(e, coordinator, environment.Error);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException && context.Settings.CaFile is not null)
        {
            await environment.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
