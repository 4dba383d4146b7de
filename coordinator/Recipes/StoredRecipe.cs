using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>A recipe's name row as stored: its latest version (with the recipe), protection and deletion.</summary>
public sealed record StoredRecipe(Recipe Latest, bool Protected, DateTimeOffset? DeleteTime)
{
    public bool Deleted => DeleteTime is not null;
}
