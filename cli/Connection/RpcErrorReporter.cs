using Grpc.Core;
using RenderFarm.Cli.App;

namespace RenderFarm.Cli.Connection;

/// <summary>Turns a failed call into one line a person can act on, and an exit code; never a stack trace.</summary>
internal static class RpcErrorReporter
{
    public static int Report(RpcException exception, CoordinatorAddress coordinator, TextWriter error)
    {
        var detail = string.IsNullOrWhiteSpace(exception.Status.Detail) ? "(no detail)" : exception.Status.Detail;
        error.WriteLine($"error: {exception.StatusCode}: {detail}");
        if (exception.StatusCode == StatusCode.Unauthenticated)
        {
            error.WriteLine($"farmctl sends the API key from ${ClientSettings.ApiKeyVariable} or the config file ({ClientSettings.ConfigVariable}, default ~/.config/renderfarm/farmctl.json, {{\"apiKey\": \"...\"}}).");
        }

        if (exception.StatusCode != StatusCode.Unavailable)
        {
            return ExitCodes.Refused;
        }

        error.WriteLine(
            $"farmctl could not reach the coordinator at {coordinator}. Check that it is running, " +
            $"or point farmctl at it with --coordinator URL or ${CoordinatorAddress.EnvironmentVariable}.");
        return ExitCodes.Unreachable;
    }
}
