using System.Data.Common;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Recipes;

/// <summary>
/// Recipes in the farm's database (<see cref="RecipeSchema"/>). A change of a recipe's name row runs in one transaction
/// that first touches the row (an update that changes nothing), which locks it on PostgreSQL and takes SQLite's write
/// lock, so two coordinators saving the same recipe make two versions one after the other, never the same version twice.
/// </summary>
public sealed class RecipeStore(SqlJobStore store)
{
    private const string Columns = "r.name, v.version, v.recipe, v.create_time, v.author, r.protected, r.delete_time";

    /// <summary>The name row and its latest version, deleted or not; null when the name was never saved.</summary>
    public async Task<StoredRecipe?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, name, cancellationToken);
    }

    /// <summary>One version of a recipe (also of a deleted one, so a job's recorded version stays readable).</summary>
    public async Task<Recipe?> FindVersionAsync(string name, uint version, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync(null,
            $"SELECT {Columns} FROM rf_recipes r JOIN rf_recipe_versions v ON v.name = r.name WHERE r.name = @n AND v.version = @v",
            r => Read(r).Latest, cancellationToken, ("@n", name), ("@v", (long)version));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The latest version of every recipe not deleted, by name.</summary>
    public async Task<IReadOnlyList<StoredRecipe>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        return await connection.QueryAsync(null,
            $"SELECT {Columns} FROM rf_recipes r JOIN rf_recipe_versions v ON v.name = r.name AND v.version = r.latest_version WHERE r.delete_time IS NULL ORDER BY r.name",
            Read, cancellationToken);
    }

    /// <summary>
    /// Changes a recipe in one transaction: <paramref name="decide"/> sees the stored row (or null) and answers what to
    /// store: a new version to write (its version must be the next one), a new protection or deletion, or nothing.
    /// </summary>
    public async Task<T> ChangeAsync<T>(string name, Func<StoredRecipe?, (RecipeChange? Change, T Result)> decide, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(transaction, "UPDATE rf_recipes SET update_time = update_time WHERE name = @n", cancellationToken, ("@n", name));
        var current = await FindAsync(connection, transaction, name, cancellationToken);
        var (change, result) = decide(current);
        if (change is null) return result;

        var millis = now.ToUnixTimeMilliseconds();
        if (current is null)
        {
            await connection.ExecuteAsync(transaction,
                "INSERT INTO rf_recipes (name, latest_version, protected, delete_time, update_time) VALUES (@n, 0, 0, NULL, @t)",
                cancellationToken, ("@n", name), ("@t", millis));
        }

        if (change.NewVersion is { } version)
        {
            var content = Content(version);
            await connection.ExecuteAsync(transaction,
                "INSERT INTO rf_recipe_versions (name, version, recipe, create_time, author) VALUES (@n, @v, @r, @t, @a)",
                cancellationToken, ("@n", name), ("@v", (long)version.Version), ("@r", RowMapperJson(content)), ("@t", millis), ("@a", version.Author));
        }

        await connection.ExecuteAsync(transaction,
            "UPDATE rf_recipes SET latest_version = @v, protected = @p, delete_time = @d, update_time = @t WHERE name = @n",
            cancellationToken,
            ("@v", (long)(change.NewVersion?.Version ?? current!.Latest.Version)),
            ("@p", (change.Protected ?? current?.Protected ?? false) ? 1 : 0),
            ("@d", change.Deleted switch
            {
                true => millis,
                false => DBNull.Value,
                null => current?.DeleteTime is { } deleted ? deleted.ToUnixTimeMilliseconds() : DBNull.Value,
            }),
            ("@t", millis), ("@n", name));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>What a recipe's content is, without what the store keeps in columns: compared to see whether a save changed it.</summary>
    public static Recipe Content(Recipe recipe)
    {
        var content = recipe.Clone();
        content.Version = 0;
        content.Protected = false;
        content.CreateTime = null;
        content.Author = "";
        return content;
    }

    private static async Task<StoredRecipe?> FindAsync(DbConnection connection, DbTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync(transaction,
            $"SELECT {Columns} FROM rf_recipes r JOIN rf_recipe_versions v ON v.name = r.name AND v.version = r.latest_version WHERE r.name = @n",
            Read, cancellationToken, ("@n", name));
        return rows.Count == 0 ? null : rows[0];
    }

    private static StoredRecipe Read(DbDataReader r)
    {
        var recipe = RowMapper.FromJson<Recipe>(r.GetString(2));
        recipe.Name = r.GetString(0);
        recipe.Version = (uint)r.GetInt64(1);
        recipe.CreateTime = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)));
        recipe.Author = r.GetString(4);
        recipe.Protected = r.GetInt64(5) != 0;
        return new StoredRecipe(recipe, recipe.Protected, r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)));
    }

    private static string RowMapperJson(Recipe content) => RowMapper.ToJson(content);
}
