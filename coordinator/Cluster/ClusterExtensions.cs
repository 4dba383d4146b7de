using Npgsql;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// Registers what makes agents farm-wide when several coordinators share PostgreSQL: presence rows, drain and
/// progress notices. A single SQLite coordinator gets <see cref="NoRemoteAgents"/> and nothing else.
/// </summary>
public static class ClusterExtensions
{
    private const string DataSourceKey = "cluster";

    public static IServiceCollection AddFarmCluster(this IServiceCollection services, IConfiguration configuration, StoreOptions store)
    {
        if (store.Provider != StoreProvider.Postgres)
        {
            services.AddSingleton<IRemoteAgents, NoRemoteAgents>();
            return services;
        }

        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section))
            .Validate(o => o.PresenceInterval > TimeSpan.Zero && o.ProgressInterval > TimeSpan.Zero && o.PresenceRefresh >= o.PresenceInterval,
                "Coordinator:Cluster: PresenceInterval and ProgressInterval must be positive and PresenceRefresh at least PresenceInterval")
            .Validate(o => o.PresenceTimeout >= 2 * o.PresenceInterval,
                "Coordinator:Cluster:PresenceTimeout must be at least twice PresenceInterval, or live coordinators' agents would flicker to disconnected")
            .ValidateOnStart();
        services.AddKeyedSingleton(DataSourceKey, (_, _) => NpgsqlDataSource.Create(store.ConnectionString!));
        services.AddSingleton(sp => new AgentPresenceStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey)));
        services.AddSingleton(sp => new ClusterChannel(sp.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey), sp.GetRequiredService<ILogger<ClusterChannel>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ClusterChannel>());
        services.AddSingleton<IRemoteAgents, PostgresRemoteAgents>();
        services.AddHostedService<AgentPresencePublisher>();
        services.AddHostedService<ProgressRelay>();
        return services;
    }
}
