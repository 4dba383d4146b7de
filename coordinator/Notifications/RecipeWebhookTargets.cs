using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Recipes;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>
/// A recipe's receivers (<c>Recipe.notify_urls</c> of the version the job recorded): the end of each job made with it;
/// signed and formatted as a job's own, and not called when <c>AllowJobUrls</c> is off (editors write recipes).
/// </summary>
public sealed class RecipeWebhookTargets(RecipeBook recipes, IOptionsMonitor<WebhookOptions> options) : IWebhookTargetSource
{
    public async ValueTask<IReadOnlyList<WebhookTarget>> TargetsForAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        if (!o.AllowJobUrls || job.Spec.RecipeName.Length == 0 || job.Spec.RecipeVersion == 0) return [];
        try
        {
            var recipe = await recipes.GetAsync(job.Spec.RecipeName, job.Spec.RecipeVersion, cancellationToken);
            return recipe.NotifyUrls.Select(url => new WebhookTarget(url, o.JobSecret, o.JobFormat, "recipe")).ToList();
        }
        catch (NotFoundException)
        {
            return [];
        }
    }
}
