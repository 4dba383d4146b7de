using System.Data.Common;

namespace RenderFarm.Coordinator.Storage;

/// <summary>Brings a database to <see cref="SqlSchema.Version"/>, one migration per transaction.</summary>
internal static class SchemaMigrator
{
    public static async Task MigrateAsync(DbConnection connection, SqlDialect dialect, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(null, SqlSchema.CreateVersionTable, cancellationToken);
        var versions = await connection.QueryAsync(null, "SELECT version FROM rf_schema", r => r.GetInt32(0), cancellationToken);
        var current = versions.Count == 0 ? 0 : versions[0];
        if (current > SqlSchema.Version)
        {
            throw new InvalidOperationException($"The database has schema version {current}, newer than this coordinator's {SqlSchema.Version}: upgrade the coordinator.");
        }

        for (var version = current + 1; version <= SqlSchema.Version; version++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var statement in SqlSchema.Migrations[version - 1].Where(s => RunsOn(s, dialect)))
            {
                await connection.ExecuteAsync(transaction, statement, cancellationToken);
            }

            await connection.ExecuteAsync(transaction, version == 1 ? "INSERT INTO rf_schema (version) VALUES (@v)" : "UPDATE rf_schema SET version = @v",
                cancellationToken, ("@v", version));
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var statement in SqlSchema.Indexes)
        {
            await connection.ExecuteAsync(null, statement, cancellationToken);
        }
    }

    /// <summary>A statement marked <c>-- sqlite</c> or <c>-- postgres</c> on its first line runs only there; any other runs everywhere.</summary>
    private static bool RunsOn(string statement, SqlDialect dialect) =>
        !statement.StartsWith("-- ", StringComparison.Ordinal) || statement.StartsWith($"-- {dialect.Name}\n", StringComparison.Ordinal);
}
