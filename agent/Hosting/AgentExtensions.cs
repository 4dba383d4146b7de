using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Hosting;

/// <summary>The agent's parts, registered; Program.cs and the tests both call this.</summary>
public static class AgentExtensions
{
    /// <param name="channel">A channel to the coordinator; when null, one is made from <see cref="AgentOptions.Coordinator"/>.</param>
    public static IServiceCollection AddAgent(this IServiceCollection services, IConfiguration configuration, GrpcChannel? channel = null)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section))
            .Validate(o => o.Slots is >= 1 and <= 64, "Agent:Slots must be 1 to 64")
            .Validate(o => o.MediaRoots.Count > 0, "Agent:MediaRoots must name at least one media root")
            .Validate(o => o.ProgressRate > 0, "Agent:ProgressRate must be above 0")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => channel ?? GrpcChannel.ForAddress(sp.GetRequiredService<IOptions<AgentOptions>>().Value.Coordinator));
        services.AddSingleton(_ => FfmpegCapabilities.Detect());
        services.AddSingleton<RenderPipeline>();
        services.AddSingleton<AgentOutbox>();
        services.AddSingleton<AttemptRunner>();
        services.AddSingleton<LinkSession>();
        services.AddHostedService<CoordinatorLink>();
        services.AddHostedService<AgentShutdown>();
        return services;
    }
}
