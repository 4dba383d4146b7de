using System.CommandLine;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using RenderFarm.Cli.Connection;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.App;

/// <summary>One command's run: its parsed arguments, where its output goes and its coordinator clients.</summary>
internal sealed class CommandContext : IDisposable
{
    private readonly Lazy<GrpcChannel> _channel;
    private readonly Lazy<CallInvoker> _calls;

    public CommandContext(ParseResult parseResult, FarmctlEnvironment environment, CoordinatorAddress coordinator, bool json)
    {
        ParseResult = parseResult;
        Environment = environment;
        Coordinator = coordinator;
        Json = json;
        Console = ConsoleFactory.Create(environment.Out, environment.OutIsTerminal);
        JsonOut = new JsonOutput(environment.Out);
        Settings = ClientSettings.Resolve(environment.GetEnvironmentVariable);
        _channel = new Lazy<GrpcChannel>(() => Settings.CaFile is { } ca ? ChannelFactory.Create(coordinator.Uris, ca)
            : coordinator.Uris.Count == 1 ? environment.CreateChannel(coordinator.Uri) : ChannelFactory.Create(coordinator.Uris, null));
        _calls = new Lazy<CallInvoker>(() => Settings.ApiKey is { } key
            ? _channel.Value.Intercept(metadata =>
            {
                metadata.Add("authorization", "Bearer " + key);
                return metadata;
            })
            : _channel.Value.CreateCallInvoker());
    }

    /// <summary>The API key and CA file from the environment or the config file.</summary>
    public ClientSettings Settings { get; }

    public ParseResult ParseResult { get; }

    public FarmctlEnvironment Environment { get; }

    public CoordinatorAddress Coordinator { get; }

    /// <summary>Whether --json was given: write one JSON document and no tables or progress.</summary>
    public bool Json { get; }

    /// <summary>Human output on stdout; plain text without ANSI when stdout is not a terminal.</summary>
    public IAnsiConsole Console { get; }

    public JsonOutput JsonOut { get; }

    public TextWriter Error => Environment.Error;

    public JobService.JobServiceClient Jobs => new(_calls.Value);

    public FarmService.FarmServiceClient Farm => new(_calls.Value);

    public AccessService.AccessServiceClient Access => new(_calls.Value);

    public RecipeService.RecipeServiceClient Recipes => new(_calls.Value);

    public BatchService.BatchServiceClient Batches => new(_calls.Value);

    public WatchFolderService.WatchFolderServiceClient WatchFolders => new(_calls.Value);
    public NotificationService.NotificationServiceClient Notifications => new(_calls.Value);

    public T Get<T>(Option<T> option) => ParseResult.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => ParseResult.GetValue(argument)!;

    /// <summary>Closes the channel, unless the process is about to end anyway (<see cref="FarmctlEnvironment.EndsWithProcess"/>).</summary>
    public void Dispose()
    {
        if (_channel.IsValueCreated && !Environment.EndsWithProcess)
        {
            _channel.Value.Dispose();
        }
    }
}
