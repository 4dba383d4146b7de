using System.Data.Common;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// Small helpers for parameterised ADO.NET commands; <c>@name</c> placeholders work on SQLite and PostgreSQL. On a
/// connection with a <see cref="StatementCache"/> the command of each SQL text is reused, still prepared.
/// </summary>
internal static class DbCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return command;
    }

    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var (command, owned) = Rent(connection, sql, transaction, parameters);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(reader));
            }

            return rows;
        }
        finally
        {
            if (owned) await command.DisposeAsync();
        }
    }

    /// <summary>Runs <paramref name="sql"/> and hands its reader to <paramref name="read"/>.</summary>
    public static async Task ReadAsync(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, Task> read, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var (command, owned) = Rent(connection, sql, transaction, parameters);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await read(reader);
        }
        finally
        {
            if (owned) await command.DisposeAsync();
        }
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var (command, owned) = Rent(connection, sql, transaction, parameters);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            if (owned) await command.DisposeAsync();
        }
    }

    /// <summary>The connection's cached command for <paramref name="sql"/>, or a new one the caller disposes (<c>Owned</c>).</summary>
    private static (DbCommand Command, bool Owned) Rent(DbConnection connection, string sql, DbTransaction? transaction, (string, object?)[] parameters) =>
        StatementCache.Of(connection)?.Get(connection, sql, transaction, parameters) is { } cached
            ? (cached, false)
            : (connection.Command(sql, transaction, parameters), true);
}
