namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>Thumbnails of succeeded jobs: options, the ffmpeg that makes them, where they are kept, the maker and its catch-up at start.</summary>
public static class ThumbnailExtensions
{
    public static IServiceCollection AddFarmThumbnails(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ThumbnailOptions>().Bind(configuration.GetSection(ThumbnailOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Timeout > TimeSpan.Zero, "Coordinator:Thumbnails:Timeout: must be above 0")
            .Validate(o => o.ContactSheetMinDuration >= TimeSpan.Zero, "Coordinator:Thumbnails:ContactSheetMinDuration: must not be negative")
            .Validate(o => o.CatchUpWithin >= TimeSpan.Zero, "Coordinator:Thumbnails:CatchUpWithin: must not be negative (0 turns the catch-up off)")
            .ValidateOnStart();
        services.AddSingleton(sp => new ThumbnailStore((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        services.AddSingleton<ThumbnailFfmpeg>();
        services.AddSingleton<PosterFrame>();
        services.AddSingleton<ContactSheet>();
        services.AddSingleton<SourceColour>();
        services.AddSingleton<ThumbnailMaker>();
        services.AddHostedService(sp => sp.GetRequiredService<ThumbnailMaker>());
        services.AddSingleton<ThumbnailCatchUp>();
        services.AddHostedService(sp => sp.GetRequiredService<ThumbnailCatchUp>());
        return services;
    }
}
