using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Drain;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Logs;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Transport;

namespace RenderFarm.Agent.Hosting;

/// <summary>The agent's parts, registered; Program.cs and the tests both call this.</summary>
public static class AgentExtensions
{
    /// <param name="channel">A channel to the coordinator; when null, one is made from <see cref="AgentOptions.Coordinator"/>.</param>
    public static IServiceCollection AddAgent(this IServiceCollection services, IConfiguration configuration, GrpcChannel? channel = null)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section))
            .PostConfigure<IHostEnvironment>((o, env) =>
            {
                o.LogDirectory = Path.GetFullPath(o.LogDirectory, env.ContentRootPath);
                o.CredentialFile = Path.GetFullPath(o.CredentialFile, env.ContentRootPath);
            })
            .Validate(o => o.Slots is >= 1 and <= 64, "Agent:Slots must be 1 to 64")
            .Validate(o => o.MediaRoots.Count > 0, "Agent:MediaRoots must name at least one media root")
            .Validate(o => o.ProgressRate > 0, "Agent:ProgressRate must be above 0")
            .Validate(o => o.LogRetentionCount >= 1, "Agent:LogRetentionCount must be at least 1")
            .Validate(o => o.LogRetentionBytes >= 0, "Agent:LogRetentionBytes must not be negative")
            .Validate(o => o.LogFlushInterval > TimeSpan.Zero, "Agent:LogFlushInterval must be above 0")
            .Validate(o => o.DrainTimeout >= TimeSpan.Zero, "Agent:DrainTimeout must not be negative")
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<AgentOptions>>((host, agent) =>
        {
            var longest = AgentDrain.Longest(agent.Value.DrainTimeout);
            if (host.ShutdownTimeout < longest) host.ShutdownTimeout = longest;
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => channel ?? CreateChannel(sp.GetRequiredService<IOptions<AgentOptions>>().Value));
        services.AddSingleton(_ => FfmpegCapabilities.Detect());
        services.AddSingleton<RenderPipeline>();
        services.AddSingleton<AgentOutbox>();
        services.AddSingleton<PublishPermits>();
        services.AddSingleton<AttemptLogs>();
        services.AddSingleton<AttemptRunner>();
        services.AddSingleton<AgentDrain>();
        services.AddSingleton<AgentCredential>();
        services.AddSingleton<LinkSession>();
        services.AddHostedService<CoordinatorLink>();
        services.AddHostedService<AgentShutdown>();
        return services;
    }

    /// <summary>
    /// The channel to the coordinator. Its own reconnect backoff is kept short: the agent's link already
    /// backs off with jitter, and a channel still backing off would fail those tries at once with a cached error.
    /// </summary>
    private static GrpcChannel CreateChannel(AgentOptions options) => CoordinatorChannels.Create(options.Coordinator, options.CaFile, new GrpcChannelOptions
    {
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(250),
        MaxReconnectBackoff = TimeSpan.FromSeconds(Math.Clamp(options.ReconnectMaxDelay.TotalSeconds / 4, 0.25, 2)),
    });
}
