using Grpc.Net.Client;
using RenderFarm.Cli.Connection;

namespace RenderFarm.Cli.App;

/// <summary>Everything farmctl takes from the process, so tests can run commands in-process.</summary>
public sealed class FarmctlEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Whether <see cref="Out"/> is an interactive terminal (colour, live progress).</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Relative INPUT, OUTPUT and LUT paths are resolved against this folder.</summary>
    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Opens the channel to the coordinator; tests swap in an in-process server's handler.</summary>
    public Func<Uri, GrpcChannel> CreateChannel { get; init; } = ChannelFactory.Create;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// True when the process ends with the command (the farmctl executable): its connection to the coordinator is then
    /// left to the process's exit, which closes the socket, instead of being shut down call by call first (4-50 ms
    /// measured after `submit --wait` printed the job). Commands run in-process (tests) close their channel.
    /// </summary>
    public bool EndsWithProcess { get; init; }

    public static FarmctlEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OutIsTerminal = !Console.IsOutputRedirected,
        EndsWithProcess = true,
    };
}
