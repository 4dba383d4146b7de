using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Drain;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Guest;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Logs;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Observability;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.Connection;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.Transport;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Hosting;

/// <summary>The agent's parts, registered; Program.cs and the tests both call this.</summary>
public static class AgentExtensions
{
    /// <param name="channel">A channel to the coordinator; when null, one is made from <see cref="AgentOptions.Coordinator"/>.</param>
    public static IServiceCollection AddAgent(this IServiceCollection services, IConfiguration configuration, GrpcChannel? channel = null)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section))
            .PostConfigure(AgentSettings.Resolve)
            .Validate(o => o.Slots is >= 1 and <= 64, "Agent:Slots: must be 1 to 64")
            .Validate(o => o.Transfer.CacheLimitBytes > 0, "Agent:Transfer:CacheLimitBytes: must be above 0")
            .Validate(o => o.Transfer.BytesPerSecond >= 0, "Agent:Transfer:BytesPerSecond: must not be negative (0 = unlimited)")
            .Validate(o => o.Transfer.ChunkBytes is >= 4096 and <= Protos.Transfer.TransferLimits.MaxChunkBytes, "Agent:Transfer:ChunkBytes: must be 4096 to 2097152")
            .Validate(o => o.Transfer.MaxRetries >= 0, "Agent:Transfer:MaxRetries: must not be negative")
            .Validate(o => o.ProgressRate > 0, "Agent:ProgressRate: must be above 0")
            .Validate(o => o.FfmpegThreads is >= 0 and <= 256, "Agent:FfmpegThreads: must be 0 (every core) to 256")
            .Validate(o => o.FfmpegNice is >= 0 and <= 19, "Agent:FfmpegNice: must be 0 (not lowered) to 19")
            .Validate(o => o.LogRetentionCount >= 1, "Agent:LogRetentionCount: must be at least 1")
            .Validate(o => o.LogRetentionBytes >= 0, "Agent:LogRetentionBytes: must not be negative")
            .Validate(o => o.LogFlushInterval > TimeSpan.Zero, "Agent:LogFlushInterval: must be above 0")
            .Validate(o => o.DrainTimeout >= TimeSpan.Zero, "Agent:DrainTimeout: must not be negative")
            .Validate(o => System.Text.RegularExpressions.Regex.IsMatch(o.Name, "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"), "Agent:Name: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
            .Validate(o => o.ReconnectMaxDelay > TimeSpan.Zero, "Agent:ReconnectMaxDelay: must be above 0")
            .Validate(o => o.RefusedRetryDelay > TimeSpan.Zero, "Agent:RefusedRetryDelay: must be above 0")
            .Validate(o => o.ReconnectBackoffResetAfter >= TimeSpan.Zero, "Agent:ReconnectBackoffResetAfter: must not be negative")
            .Validate(o => o.MetricsPort is >= 0 and <= 65535, "Agent:MetricsPort: must be 0 (no metrics endpoint) to 65535")
            .Validate(o => o.MetricsHost.Length > 0, "Agent:MetricsHost: must name an address (127.0.0.1, or + for every address)")
            .Validate(o => o.KeepAlivePingDelay >= TimeSpan.Zero, "Agent:KeepAlivePingDelay: must not be negative (0 = off)")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentSettings>();
        services.AddOptions<HostOptions>().Configure<IOptions<AgentOptions>>((host, agent) =>
        {
            var longest = AgentDrain.Longest(agent.Value.DrainTimeout);
            if (host.ShutdownTimeout < longest) host.ShutdownTimeout = longest;
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => channel ?? CreateChannel(sp.GetRequiredService<IOptions<AgentOptions>>().Value));
        services.AddSingleton(_ => FfmpegCapabilities.Detect());
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return LowPriorityTools.Prepare("", Path.Combine(o.DataDirectory, "bin"), o.FfmpegNice, o.FfmpegIdleIo);
        });
        // Resolved before any render can start (the link needs the pipelines): stray renders of an earlier run stop first.
        // One folder per agent name: agents started from one install never take each other's renders for strays. The
        // launcher starts the low-priority ffmpeg, so a render is both in a session of its own and at low priority.
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var tools = sp.GetRequiredService<LowPriorityTools>();
            return RenderLauncher.Prepare(Path.Combine(o.RenderDirectory, o.Name), tools.BinaryFolder, sp.GetRequiredService<ILoggerFactory>().CreateLogger<RenderLauncher>());
        });
        services.AddSingleton(sp => new RenderPipelineOptions
        {
            Threads = sp.GetRequiredService<IOptions<AgentOptions>>().Value.FfmpegThreads,
            BinaryFolder = sp.GetRequiredService<LowPriorityTools>().BinaryFolder,
            RenderBinaryFolder = sp.GetRequiredService<RenderLauncher>().BinaryFolder,
        });
        services.AddSingleton<RenderPipeline>();
        services.AddSingleton<StitchPipeline>();
        services.AddSingleton<AgentOutbox>();
        services.AddSingleton<PublishPermits>();
        services.AddSingleton<AttemptLogs>();
        services.AddSingleton<AttemptRunner>();
        services.AddSingleton<AgentDrain>();
        services.AddSingleton<AgentCredential>();
        services.AddSingleton<LinkSession>();
        if (configuration.GetValue<AgentStorage>($"{AgentOptions.Section}:{nameof(AgentOptions.Storage)}") == AgentStorage.Transfer) AddTransfer(services, channel);
        services.AddGuest();
        services.AddSingleton<AgentMetrics>();
        services.AddSingleton<AgentMetricsServer>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentMetricsServer>());
        services.AddHostedService<CoordinatorLink>();
        services.AddHostedService<AgentShutdown>();
        return services;
    }

    /// <summary>
    /// Reads the settings once, so a mistake ends the agent with one line (<see cref="Protos.Hosting.StartupFailure"/>)
    /// before the host starts and logs it with a stack trace.
    /// </summary>
    public static void CheckAgentSettings(this IServiceProvider services) => _ = services.GetRequiredService<IOptions<AgentOptions>>().Value;

    /// <summary>Transfer mode: the blob cache, downloads and uploads, and the work folder of each attempt.</summary>
    /// <param name="channel">The test's channel; when null, transfers get a channel of their own with large HTTP/2 windows.</param>
    private static void AddTransfer(IServiceCollection services, GrpcChannel? channel)
    {
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value.Transfer);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value.Transfer;
            return new BlobCache(o.CacheDirectory, o.CacheLimitBytes, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var credential = sp.GetRequiredService<AgentCredential>();
            var transferChannel = channel ?? CoordinatorChannel.Create(Addresses(o), CoordinatorChannels.Verified(o.CaFile, new GrpcChannelOptions { HttpHandler = CreateHandler() }));
            return new TransferClient(transferChannel.Intercept(credential.AddTo));
        });
        services.AddSingleton<AgentBandwidth>();
        services.AddSingleton<BlobDownloader>();
        services.AddSingleton<OutputUploader>();
        services.AddSingleton<TransferWorkspace>();
    }

    /// <summary>
    /// The channel to the coordinator. Its own reconnect backoff is kept short: the agent's link already
    /// backs off with jitter, and a channel still backing off would fail those tries at once with a cached error.
    /// Its handler pings the coordinator over HTTP/2 when the link has been quiet (<see cref="AgentOptions.KeepAlivePingDelay"/>).
    /// </summary>
    private static GrpcChannel CreateChannel(AgentOptions options) => CoordinatorChannel.Create(Addresses(options), CoordinatorChannels.Verified(options.CaFile, new GrpcChannelOptions
    {
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(250),
        MaxReconnectBackoff = TimeSpan.FromSeconds(Math.Clamp(options.ReconnectMaxDelay.TotalSeconds / 4, 0.25, 2)),
        HttpHandler = KeepAliveHandler(options.KeepAlivePingDelay),
        DisposeHttpClient = true,
    }));

    /// <summary>A handler that pings a quiet connection after <paramref name="delay"/> and drops it when the ping is not answered within as long again.</summary>
    public static SocketsHttpHandler KeepAliveHandler(TimeSpan delay)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (delay <= TimeSpan.Zero) return handler;
        handler.KeepAlivePingDelay = delay;
        handler.KeepAlivePingTimeout = delay;
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        return handler;
    }

    private static IReadOnlyList<Uri> Addresses(AgentOptions options) =>
        CoordinatorChannel.TryParse(options.Coordinator, out var addresses, out var problem)
            ? addresses
            : throw new InvalidOperationException($"Agent:Coordinator: {problem}");

    /// <summary>
    /// The HTTP/2 handler of the transfer channel. Its receive window starts at 16 MiB rather than 64 KiB so a download
    /// keeps many chunks in flight instead of waiting for a window update after every few frames.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        InitialHttp2StreamWindowSize = 16 * 1024 * 1024,
        EnableMultipleHttp2Connections = true,
    };
}
