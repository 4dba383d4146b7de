namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>Poster frames of succeeded jobs: options, the ffmpeg that makes them, where they are kept, and the maker.</summary>
public static class ThumbnailExtensions
{
    public static IServiceCollection AddFarmThumbnails(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ThumbnailOptions>().Bind(configuration.GetSection(ThumbnailOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Timeout > TimeSpan.Zero, "Coordinator:Thumbnails:Timeout: must be above 0")
            .ValidateOnStart();
        services.AddSingleton(sp => new ThumbnailStore((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        services.AddSingleton<PosterFrame>();
        services.AddSingleton<ThumbnailMaker>();
        services.AddHostedService(sp => sp.GetRequiredService<ThumbnailMaker>());
        return services;
    }
}
