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
        // Before the first table: a new database keeps its free pages on a list that housekeeping hands back to the file
        // system (ReclaimFreeSpaceAsync). An existing database keeps the mode it was made with (see docs/operating.md).
        await connection.ExecuteAsync(null, "PRAGMA auto_vacuum = INCREMENTAL", cancellationToken);
        await connection.ExecuteAsync(null, "PRAGMA journal_mode = WAL", cancellationToken);
        await SchemaMigrator.MigrateAsync(connection, SqlDialect.Sqlite, cancellationToken);
    }

    /// <summary>
    /// Incremental vacuum: the pages on the free list (left by deleted rows) are given back to the file system, the file
    /// shrinks. A database made before incremental mode keeps its pages for reuse (it does not grow, but does not shrink).
    /// </summary>
    public override async Task<long> ReclaimFreeSpaceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (await ScalarAsync(connection, "PRAGMA auto_vacuum", cancellationToken) != 2) return 0;
        var pageSize = await ScalarAsync(connection, "PRAGMA page_size", cancellationToken);
        var before = await ScalarAsync(connection, "PRAGMA freelist_count", cancellationToken);
        if (before == 0) return 0;
        await connection.ExecuteAsync(null, "PRAGMA incremental_vacuum", cancellationToken);
        return (before - await ScalarAsync(connection, "PRAGMA freelist_count", cancellationToken)) * pageSize;
    }

    /// <summary>Whether a new database is made in incremental vacuum mode, and this one is in it (a test reads it).</summary>
    public async Task<bool> IsIncrementalVacuumAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync(connection, "PRAGMA auto_vacuum", cancellationToken) == 2;
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken) =>
        (await connection.QueryAsync(null, sql, r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), cancellationToken))[0];

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
