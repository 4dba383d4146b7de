using System.Data.Common;
using System.Runtime.CompilerServices;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The prepared commands of one long-lived connection. SQLite parses and plans a statement again for every new
/// command (Microsoft.Data.Sqlite keeps a statement prepared only as long as its command lives), and the farm runs
/// the same few dozen statements all day: on a connection with a cache, <see cref="DbCommands"/> runs each SQL text
/// through one command, kept prepared, with new parameter values each time. A connection is used by one caller at
/// a time, so its cache needs no lock. Statements beyond <see cref="MaxStatements"/> (texts built on the fly) run
/// on a command of their own, as without a cache.
/// </summary>
internal sealed class StatementCache
{
    public const int MaxStatements = 200;

    private static readonly ConditionalWeakTable<DbConnection, StatementCache> Caches = new();

    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>Gives <paramref name="connection"/> a cache; its commands stay prepared until <see cref="Detach"/>.</summary>
    public static void Attach(DbConnection connection) => Caches.AddOrUpdate(connection, new StatementCache());

    /// <summary>Disposes the connection's cached commands (before the connection closes).</summary>
    public static void Detach(DbConnection connection)
    {
        if (!Caches.TryGetValue(connection, out var cache)) return;
        Caches.Remove(connection);
        foreach (var command in cache._commands.Values) command.Dispose();
        cache._commands.Clear();
    }

    public static StatementCache? Of(DbConnection connection) => Caches.TryGetValue(connection, out var cache) ? cache : null;

    /// <summary>The cached command for <paramref name="sql"/> with these values bound, or null when the cache is full.</summary>
    public DbCommand? Get(DbConnection connection, string sql, DbTransaction? transaction, (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxStatements) return null;
            command = connection.Command(sql, transaction, parameters);
            _commands[sql] = command;
            return command;
        }

        command.Transaction = transaction;
        var bound = command.Parameters;
        if (!SameNames(bound, parameters))
        {
            bound.Clear();
            foreach (var (name, _) in parameters)
            {
                var p = command.CreateParameter();
                p.ParameterName = name;
                bound.Add(p);
            }
        }

        for (var i = 0; i < parameters.Length; i++) bound[i].Value = parameters[i].Value ?? DBNull.Value;
        return command;
    }

    private static bool SameNames(DbParameterCollection bound, (string Name, object? Value)[] parameters)
    {
        if (bound.Count != parameters.Length) return false;
        for (var i = 0; i < parameters.Length; i++)
        {
            if (!string.Equals(bound[i].ParameterName, parameters[i].Name, StringComparison.Ordinal)) return false;
        }

        return true;
    }
}
