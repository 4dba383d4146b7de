using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>Recipes and batches, registered.</summary>
public static class RecipeExtensions
{
    public static IServiceCollection AddFarmRecipes(this IServiceCollection services)
    {
        services.AddSingleton(sp => new RecipeStore((SqlJobStore)sp.GetRequiredService<IJobStore>()));
        services.AddSingleton<RecipeValidator>();
        services.AddSingleton<RecipeBook>();
        services.AddSingleton<SourceProbe>();
        services.AddSingleton<RecipeJobs>();
        services.AddSingleton(sp => new BatchStore((SqlJobStore)sp.GetRequiredService<IJobStore>()));
        services.AddSingleton<BatchInputs>();
        services.AddSingleton<BatchCatalog>();
        services.AddSingleton<BatchView>();
        return services;
    }
}
