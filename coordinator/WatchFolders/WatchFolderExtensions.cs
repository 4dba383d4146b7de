using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>Watch folders, registered: their store, scanner, the Quartz rescan and the file-system events.</summary>
public static class WatchFolderExtensions
{
    public static IServiceCollection AddFarmWatchFolders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WatchFolderOptions>().Bind(configuration.GetSection(WatchFolderOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new WatchFolderStore((SqlJobStore)sp.GetRequiredService<IJobStore>()));
        services.AddSingleton<WatchFolderScanner>();
        services.AddSingleton<WatchFolderBook>();
        services.AddHostedService<WatchFolderEvents>();
        services.AddHostedService<WatchFolderSchedule>();
        return services;
    }
}
