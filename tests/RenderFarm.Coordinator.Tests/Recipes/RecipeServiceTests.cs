using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;
using Xunit;

namespace RenderFarm.Coordinator.Tests.Recipes;

/// <summary>RecipeService on a real coordinator, on SQLite and on PostgreSQL.</summary>
public class RecipeServiceTests
{
    private static async Task<FarmHost> StartAsync(string provider) => provider == "postgres"
        ? await FarmHost.StartAsync(new Dictionary<string, string?> { ["Store:Provider"] = "Postgres", ["Store:ConnectionString"] = await TestPostgres.CreateDatabaseAsync() })
        : await FarmHost.StartAsync();

    internal static Recipe Proxy(string name = "proxy-for-resolve", string pattern = "proxies/{dir}/{name}.mp4") => new()
    {
        Name = name,
        Description = "540p proxies",
        Output = new OutputSettings { Preset = Preset.H264Proxy540P },
        OutputPattern = pattern,
        Priority = 5,
    };

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task SaveRecipe_ChangedRecipe_BecomesNextVersionAndOldVersionStaysReadable(string provider)
    {
        await using var farm = await StartAsync(provider);
        var editor = new RecipeService.RecipeServiceClient(farm.CreateChannel(await farm.CreateKeyAsync("ed", Role.Editor)));

        var first = await editor.SaveRecipeAsync(new SaveRecipeRequest { Recipe = Proxy() });
        var same = await editor.SaveRecipeAsync(new SaveRecipeRequest { Recipe = Proxy() });
        var changed = Proxy();
        changed.Priority = 9;
        var second = await editor.SaveRecipeAsync(new SaveRecipeRequest { Recipe = changed });

        Assert.True(first.Changed);
        Assert.Equal(1u, first.Recipe.Version);
        Assert.Equal("ed", first.Recipe.Author);
        Assert.False(same.Changed);
        Assert.Equal(1u, same.Recipe.Version);
        Assert.Equal(2u, second.Recipe.Version);
        Assert.Equal(9, (await editor.GetRecipeAsync(new GetRecipeRequest { Name = "proxy-for-resolve" })).Recipe.Priority);
        Assert.Equal(5, (await editor.GetRecipeAsync(new GetRecipeRequest { Name = "proxy-for-resolve", Version = 1 })).Recipe.Priority);
        Assert.Equal([("proxy-for-resolve", 2u)], (await editor.ListRecipesAsync(new ListRecipesRequest())).Recipes.Select(r => (r.Name, r.Version)));
    }

    [Fact]
    public async Task SaveRecipe_BadFields_IsRefusedNamingEachField()
    {
        await using var farm = await FarmHost.StartAsync();
        var recipes = new RecipeService.RecipeServiceClient(farm.Channel);
        var bad = Proxy("bad name!", "out/{nmae}.mov");
        bad.Priority = 500;
        bad.Output.Crf = 20;
        bad.Grade = new Grade { LutPath = Path.Combine(farm.MediaDir, "missing.cube") };

        var error = await Assert.ThrowsAsync<RpcException>(() => recipes.SaveRecipeAsync(new SaveRecipeRequest { Recipe = bad }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("recipe.name: 'bad name!' is not a recipe name", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("recipe.priority: 500 is outside -100..100", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("recipe.output.crf:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("recipe.grade.lut_path:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("recipe.output_pattern: {nmae} is not a token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ProtectRecipe_ByOperator_RefusesEditorsChangesUntilLifted(string provider)
    {
        await using var farm = await StartAsync(provider);
        var editor = new RecipeService.RecipeServiceClient(farm.CreateChannel(await farm.CreateKeyAsync("ed", Role.Editor)));
        var viewer = new RecipeService.RecipeServiceClient(farm.CreateChannel(await farm.CreateKeyAsync("view", Role.Viewer)));
        var operatorRecipes = new RecipeService.RecipeServiceClient(farm.Channel);
        await editor.SaveRecipeAsync(new SaveRecipeRequest { Recipe = Proxy() });

        var viewerSave = await Assert.ThrowsAsync<RpcException>(() => viewer.SaveRecipeAsync(new SaveRecipeRequest { Recipe = Proxy("other") }).ResponseAsync);
        var editorProtect = await Assert.ThrowsAsync<RpcException>(() => editor.ProtectRecipeAsync(new ProtectRecipeRequest { Name = "proxy-for-resolve", Protected = true }).ResponseAsync);
        Assert.True((await operatorRecipes.ProtectRecipeAsync(new ProtectRecipeRequest { Name = "proxy-for-resolve", Protected = true })).Recipe.Protected);
        var changed = Proxy();
        changed.Priority = 1;
        var save = await Assert.ThrowsAsync<RpcException>(() => editor.SaveRecipeAsync(new SaveRecipeRequest { Recipe = changed }).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => editor.DeleteRecipeAsync(new DeleteRecipeRequest { Name = "proxy-for-resolve" }).ResponseAsync);
        await operatorRecipes.ProtectRecipeAsync(new ProtectRecipeRequest { Name = "proxy-for-resolve", Protected = false });
        await editor.DeleteRecipeAsync(new DeleteRecipeRequest { Name = "proxy-for-resolve" });
        var gone = await Assert.ThrowsAsync<RpcException>(() => viewer.GetRecipeAsync(new GetRecipeRequest { Name = "proxy-for-resolve" }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, viewerSave.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, editorProtect.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, save.StatusCode);
        Assert.Contains("is protected", save.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, delete.StatusCode);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal(5, (await viewer.GetRecipeAsync(new GetRecipeRequest { Name = "proxy-for-resolve", Version = 1 })).Recipe.Priority);
    }
}
