using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>
/// What people do with recipes: save (a changed recipe becomes a new version), read, list, delete, and protect. A
/// protected recipe cannot be saved or deleted until an operator lifts the protection.
/// </summary>
public sealed class RecipeBook(RecipeStore store, RecipeValidator validator, TimeProvider time)
{
    /// <summary>Saves <paramref name="recipe"/>; returns the version now latest and whether it is new.</summary>
    public async Task<(Recipe Recipe, bool Changed)> SaveAsync(Recipe? recipe, string author, CancellationToken cancellationToken)
    {
        validator.Validate(recipe);
        var content = RecipeStore.Content(recipe!);
        var now = time.GetUtcNow();
        return await store.ChangeAsync(recipe!.Name, current =>
        {
            if (current is { Protected: true })
            {
                throw new JobStateConflictException($"recipe '{recipe.Name}' is protected; ask an operator to lift it (farmctl recipes unprotect {recipe.Name})");
            }

            if (current is { Deleted: false } && RecipeStore.Content(current.Latest).Equals(content)) return (null, (current.Latest, false));
            var saved = content.Clone();
            saved.Version = (current?.Latest.Version ?? 0) + 1;
            saved.Author = author;
            saved.CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now);
            return (new RecipeChange(saved, Deleted: false), (saved, true));
        }, now, cancellationToken);
    }

    /// <summary>The latest version of a recipe that is not deleted, or the version asked for (also of a deleted one).</summary>
    public async Task<Recipe> GetAsync(string name, uint version, CancellationToken cancellationToken)
    {
        if (RecipeValidator.NameProblem(name) is { } problem) throw new JobValidationException([problem]);
        if (version > 0)
        {
            return await store.FindVersionAsync(name, version, cancellationToken)
                ?? throw new NotFoundException($"recipe '{name}' has no version {version} (farmctl recipes show {name} shows the latest)");
        }

        var stored = await store.FindAsync(name, cancellationToken);
        return stored is { Deleted: false } ? stored.Latest : throw Missing(name);
    }

    public async Task<IReadOnlyList<Recipe>> ListAsync(CancellationToken cancellationToken) =>
        (await store.ListAsync(cancellationToken)).Select(r => r.Latest).ToList();

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (RecipeValidator.NameProblem(name) is { } problem) throw new JobValidationException([problem]);
        await store.ChangeAsync(name, current =>
        {
            if (current is null or { Deleted: true }) throw Missing(name);
            if (current.Protected) throw new JobStateConflictException($"recipe '{name}' is protected; ask an operator to lift it (farmctl recipes unprotect {name})");
            return (new RecipeChange(null, Deleted: true), true);
        }, time.GetUtcNow(), cancellationToken);
    }

    public async Task<Recipe> ProtectAsync(string name, bool protect, CancellationToken cancellationToken)
    {
        if (RecipeValidator.NameProblem(name) is { } problem) throw new JobValidationException([problem]);
        return await store.ChangeAsync(name, current =>
        {
            if (current is null or { Deleted: true }) throw Missing(name);
            var latest = current.Latest.Clone();
            latest.Protected = protect;
            return (new RecipeChange(null, Protected: protect), latest);
        }, time.GetUtcNow(), cancellationToken);
    }

    private static NotFoundException Missing(string name) =>
        new($"recipe '{name}' does not exist; farmctl recipes list shows the recipes");
}
