using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode. One writer loop runs every transaction (SQLite has
/// one writer anyway, and work queued meanwhile shares the next commit), so readers never block and writers
/// never deadlock.
/// <para>
/// The writer's connection and a few readers' connections stay open with their statements prepared
/// (<see cref="StatementCache"/>): preparing a statement costs SQLite more than running one of the farm's
/// indexed reads or writes.
/// </para>
/// </summary>
public sealed class SqliteJobStore(string connectionString, bool flushEachCommit = true) : SqlJobStore(SqlDialect.Sqlite, writers: 1), IAsyncDisposable
{
    /// <summary>Readers' connections kept open between reads; more readers at once open more, closed after use.</summary>
    public const int IdleReaders = 8;

    private readonly ConcurrentQueue<DbConnection> _readers = new();
    private DbConnection? _writer;
    private volatile bool _disposed;

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
        if (Interlocked.Exchange(ref _writer, null) is { } open) return open;
        var connection = await OpenAsync(cancellationToken);
        // WAL with FULL flushes every commit before it returns; NORMAL survives kill -9 but a power cut can roll
        // back the last commits (never corrupting the file). See StoreOptions.SqliteFlushEachCommit.
        await connection.ExecuteAsync(null, flushEachCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", cancellationToken);
        StatementCache.Attach(connection);
        return connection;
    }

    protected override ValueTask ReleaseWriterAsync(DbConnection connection, bool healthy) =>
        healthy && !_disposed && Interlocked.CompareExchange(ref _writer, connection, null) is null ? ValueTask.CompletedTask : CloseAsync(connection);

    protected override async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        if (_readers.TryDequeue(out var open)) return open;
        var connection = await OpenAsync(cancellationToken);
        StatementCache.Attach(connection);
        return connection;
    }

    protected override ValueTask ReleaseReaderAsync(DbConnection connection, bool healthy)
    {
        if (!healthy || _disposed || _readers.Count >= IdleReaders) return CloseAsync(connection);
        _readers.Enqueue(connection);
        return ValueTask.CompletedTask;
    }

    /// <summary>Closes the connections kept open (the store must not be used afterwards).</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (Interlocked.Exchange(ref _writer, null) is { } writer) await CloseAsync(writer);
        while (_readers.TryDequeue(out var reader)) await CloseAsync(reader);
    }

    private static ValueTask CloseAsync(DbConnection connection)
    {
        StatementCache.Detach(connection);
        return connection.DisposeAsync();
    }
}
