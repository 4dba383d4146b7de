namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>Thumbnails of succeeded jobs: options, the ffmpeg that makes them, where they are kept, the maker, on demand (and optionally after each job).</summary>
public static class ThumbnailExtensions
{
    public static IServiceCollection AddFarmThumbnails(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ThumbnailOptions>().Bind(configuration.GetSection(ThumbnailOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Timeout > TimeSpan.Zero, "Coordinator:Thumbnails:Timeout: must be above 0")
            .Validate(o => o.ContactSheetMinDuration >= TimeSpan.Zero, "Coordinator:Thumbnails:ContactSheetMinDuration: must not be negative")
            .Validate(o => o.FailureRetryAfter >= TimeSpan.Zero, "Coordinator:Thumbnails:FailureRetryAfter: must not be negative (0 tries again at every ask)")
            .ValidateOnStart();
        services.AddSingleton(sp => new ThumbnailStore((Storage.SqlJobStore)sp.GetRequiredService<Storage.IJobStore>()));
        services.AddSingleton<ThumbnailFfmpeg>();
        services.AddSingleton<PosterFrame>();
        services.AddSingleton<ContactSheet>();
        services.AddSingleton<SourceColour>();
        services.AddSingleton<ThumbnailFailures>();
        services.AddSingleton<ThumbnailMaker>();
        services.AddSingleton<ThumbnailsOnDemand>();
        services.AddHostedService<ThumbnailsAfterEachJob>();
        return services;
    }
}
