using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode. Writers are serialised in-process (SQLite has one
/// writer anyway), so readers never block and writers never deadlock.
/// </summary>
public sealed class SqliteJobStore(string connectionString, bool flushEachCommit = true) : SqlJobStore(SqlDialect.Sqlite)
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

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
        await SchemaMigrator.MigrateAsync(connection, cancellationToken);
    }

    public override async Task<T> InTransactionAsync<T>(Func<IJobTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        StoreCommit? summary = null;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var tx = new SqlJobTransaction(connection, transaction, Dialect, cancellationToken);
            var result = await work(tx);
            await transaction.CommitAsync(cancellationToken);
            summary = tx.Summary;
            return result;
        }
        finally
        {
            _writeLock.Release();
            if (summary is not null) RaiseCommitted(summary);
        }
    }

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL with FULL flushes every commit before it returns; NORMAL survives kill -9 but a power cut can roll
        // back the last commits (never corrupting the file). See StoreOptions.SqliteFlushEachCommit.
        await connection.ExecuteAsync(null, flushEachCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", cancellationToken);
        return connection;
    }
}
