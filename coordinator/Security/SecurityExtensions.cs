using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Security;

/// <summary>Access control, limits and the transport check, registered for the coordinator.</summary>
public static partial class SecurityExtensions
{
    public static IServiceCollection AddFarmSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.EnrollmentToken.Length is 0 or >= 24, "Coordinator:Security:EnrollmentToken must be at least 24 characters (or empty to turn enrollment off)")
            .Validate(o => o.BootstrapOperatorKey.Length is 0 or >= 24, "Coordinator:Security:BootstrapOperatorKey must be at least 24 characters (or empty)")
            .ValidateOnStart();
        var exposed = TransportPolicy.Check(configuration, configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions());
        services.AddSingleton(sp => new AccessStore((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        services.AddSingleton<Authenticator>();
        services.AddSingleton<CallerLimits>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<AgentEnrollment>();
        services.AddHostedService(sp => new InsecureNetworkWarning(exposed, sp.GetRequiredService<ILogger<InsecureNetworkWarning>>()));
        return services;
    }

    /// <summary>Says at every start, as a warning, that plain endpoints listen beyond loopback.</summary>
    public sealed partial class InsecureNetworkWarning(IReadOnlyList<string> exposed, ILogger<InsecureNetworkWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var url in exposed) Warn(logger, url);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(620, LogLevel.Warning, "INSECURE: {Url} serves plain HTTP/2 beyond this machine (Coordinator:Security:AllowInsecureNetwork=true); API keys and agent credentials cross the network unencrypted")]
        private static partial void Warn(ILogger logger, string url);
    }
}
