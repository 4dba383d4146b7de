using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode. One writer loop runs every transaction (SQLite has
/// one writer anyway, and work queued meanwhile shares the next commit), so readers never block and writers
/// never deadlock.
/// </summary>
public sealed class SqliteJobStore(string connectionString, bool flushEachCommit = true) : SqlJobStore(SqlDialect.Sqlite, writers: 1)
{
    /// <summary>The connection string for a database file, shared with Quartz's store.</summary>
    public static string ConnectionStringFor(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = 30,
        Pooling = true,
    }.ToString();

    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(null, "PRAGMA journal_mode = WAL", cancellationToken);
        await SchemaMigrator.MigrateAsync(connection, SqlDialect.Sqlite, cancellationToken);
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>A deferred transaction: in WAL mode its first read takes a snapshot that later reads share, and it takes no write lock.</summary>
    protected override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    protected override async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        // WAL with FULL flushes every commit before it returns; NORMAL survives kill -9 but a power cut can roll
        // back the last commits (never corrupting the file). See StoreOptions.SqliteFlushEachCommit.
        await connection.ExecuteAsync(null, flushEachCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", cancellationToken);
        return connection;
    }
}
