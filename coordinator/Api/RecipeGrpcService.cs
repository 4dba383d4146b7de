using Grpc.Core;
using RenderFarm.Coordinator.Recipes;
using RenderFarm.Coordinator.Security;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Api;

/// <summary>RecipeService over gRPC: the caller's name as the author, then the recipe book.</summary>
public sealed class RecipeGrpcService(RecipeBook book) : RecipeService.RecipeServiceBase
{
    public override async Task<SaveRecipeResponse> SaveRecipe(SaveRecipeRequest request, ServerCallContext context)
    {
        var (recipe, changed) = await book.SaveAsync(request.Recipe, Caller.Of(context)?.Name ?? "", context.CancellationToken);
        return new SaveRecipeResponse { Recipe = recipe, Changed = changed };
    }

    public override async Task<GetRecipeResponse> GetRecipe(GetRecipeRequest request, ServerCallContext context) =>
        new() { Recipe = await book.GetAsync(request.Name, request.Version, context.CancellationToken) };

    public override async Task<ListRecipesResponse> ListRecipes(ListRecipesRequest request, ServerCallContext context)
    {
        var response = new ListRecipesResponse();
        response.Recipes.AddRange(await book.ListAsync(context.CancellationToken));
        return response;
    }

    public override async Task<DeleteRecipeResponse> DeleteRecipe(DeleteRecipeRequest request, ServerCallContext context)
    {
        await book.DeleteAsync(request.Name, context.CancellationToken);
        return new DeleteRecipeResponse();
    }

    public override async Task<ProtectRecipeResponse> ProtectRecipe(ProtectRecipeRequest request, ServerCallContext context) =>
        new() { Recipe = await book.ProtectAsync(request.Name, request.Protected, context.CancellationToken) };
}
