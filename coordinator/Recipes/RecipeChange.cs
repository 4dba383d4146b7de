using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>What <see cref="RecipeStore.ChangeAsync{T}"/> writes: a new version, and/or protection or deletion set (null = unchanged).</summary>
public sealed record RecipeChange(Recipe? NewVersion, bool? Protected = null, bool? Deleted = null);
