namespace RenderFarm.Coordinator.Watching;

/// <summary>WatchFarm: the event hub, the pump that feeds it, and the per-stream writer.</summary>
public static class WatchingExtensions
{
    public static IServiceCollection AddFarmWatching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FarmWatchOptions>().Bind(configuration.GetSection(FarmWatchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FarmEventHub>();
        services.AddSingleton<FarmWatch>();
        services.AddHostedService<FarmEventPump>();
        return services;
    }
}
