using System.Data.Common;
using Npgsql;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The scale-out store: one PostgreSQL database shared by several coordinators. Every transaction locks the
/// rows it changes (<see cref="SqlDialect.Postgres"/>) and its group is re-run when PostgreSQL aborts it for a
/// deadlock or a serialisation conflict; a few group-committed transactions run at once. What a commit changed is announced with <c>NOTIFY</c> inside the
/// transaction and heard by every coordinator's listener, so watchers and dispatchers everywhere act on it.
/// </summary>
public sealed partial class PostgresJobStore : SqlJobStore, IClusterLink, IAsyncDisposable
{
    private const long MigrationLockKey = 7_400_000_001;

    /// <summary>Group-committed transactions one coordinator runs at once (see <see cref="StoreOptions.Writers"/>).</summary>
    public const int DefaultWriters = 4;

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenerSource;
    private readonly ILogger<PostgresJobStore> _logger;
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _listener;
    private int _disposed;

    public PostgresJobStore(string connectionString, ILogger<PostgresJobStore> logger, int writers = DefaultWriters) : base(SqlDialect.Postgres, writers)
    {
        ConnectionString = connectionString;
        _dataSource = NpgsqlDataSource.Create(ForPool(connectionString));
        // The notice connection holds a LISTEN: it is never handed back to the pool for other work.
        _listenerSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        _logger = logger;
    }

    public string ConnectionString { get; }

    public int NodeSlot { get; private set; }

    public event Action<StopNotice>? StopRequested;

    /// <summary>Migrates under an advisory lock (coordinators may start together), takes a slot, and starts listening.</summary>
    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("@key", MigrationLockKey));
            try
            {
                await SchemaMigrator.MigrateAsync(connection, SqlDialect.Postgres, cancellationToken);
                await connection.ExecuteAsync(null, "CREATE SEQUENCE IF NOT EXISTS rf_coordinator_slots", cancellationToken);
            }
            finally
            {
                await connection.ExecuteAsync(null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("@key", MigrationLockKey));
            }

            var slot = await connection.QueryAsync(null, "SELECT nextval('rf_coordinator_slots')", r => r.GetInt64(0), cancellationToken);
            NodeSlot = (int)(slot[0] % 64);
        }

        _listener ??= Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
        await _listening.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Unless the connection string says otherwise:
    /// <list type="bullet">
    /// <item>The farm runs the same few dozen statements over and over: Npgsql prepares them on each connection
    /// after their second use, so PostgreSQL parses and plans each once.</item>
    /// <item>A pooled connection is not reset when it goes back to the pool (<c>No Reset On Close</c>). The reset
    /// is six statements (<c>RESET ALL</c>, <c>UNLISTEN *</c>, ...) that PostgreSQL runs before the next use, several
    /// times per task; the store leaves no session state behind (no <c>SET</c>, no temporary tables; its advisory
    /// locks are released explicitly or end with their transaction; the LISTEN connection is not pooled).</item>
    /// </list>
    /// </summary>
    private static string ForPool(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase) && builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 100;
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase)) builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>The commit's notices, sent with the transaction's last writes (a notice is delivered only if the commit succeeds).</summary>
    protected override IEnumerable<(string Sql, (string Name, object? Value)[] Parameters)> BeforeCommit(StoreCommit summary)
    {
        if (summary.ChangedJobs.Count == 0 && !summary.TasksQueued) yield break;
        foreach (var payload in PostgresNotices.ForCommit(_origin, summary))
        {
            yield return ("SELECT pg_notify(@channel, @payload)", [("@channel", PostgresNotices.Channel), ("@payload", payload)]);
        }
    }

    protected override bool IsTransient(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    protected override void OnRetry(Exception exception, int @try) => Log.TransactionRetried(_logger, ((PostgresException)exception).SqlState, @try);

    public async Task RequestStopAsync(StopNotice notice, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(null, "SELECT pg_notify(@channel, @payload)", cancellationToken,
            ("@channel", PostgresNotices.Channel), ("@payload", PostgresNotices.ForStop(_origin, notice)));
    }

    private protected override Task FoldStateCountsAsync(SqlQueries reads, CancellationToken cancellationToken) => reads.FoldStateCountsAsync(cancellationToken);

    /// <summary>REPEATABLE READ: every statement of the transaction reads the snapshot its first statement took.</summary>
    protected override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// One connection listens for other coordinators' notices. After it was cut, everyone is told to look
    /// again (work may have been queued meanwhile); job watchers catch up on the job's next change.
    /// </summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var missed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _listenerSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, e) => OnNotice(e.Payload);
                await connection.ExecuteAsync(null, $"LISTEN {PostgresNotices.Channel}", cancellationToken);
                _listening.TrySetResult();
                if (missed) RaiseCommitted(new StoreCommit([], TasksQueued: true));
                missed = false;
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                missed = true;
                Log.ListenerLost(_logger, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void OnNotice(string payload)
    {
        var notice = PostgresNotices.Parse(payload);
        if (notice is null || notice.Origin == _origin) return;
        if (notice.Stop is { } stop) StopRequested?.Invoke(stop);
        else RaiseCommitted(new StoreCommit(notice.Jobs ?? [], notice.Queued));
    }

    /// <summary>Idempotent: the service container disposes the store once as itself and once as <see cref="IJobStore"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        if (_listener is not null)
        {
            try
            {
                await _listener;
            }
            catch (OperationCanceledException)
            {
            }
        }

        await _dataSource.DisposeAsync();
        await _listenerSource.DisposeAsync();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(90, LogLevel.Debug, "Transaction aborted by PostgreSQL ({SqlState}), try {Try}; running it again")]
        public static partial void TransactionRetried(ILogger logger, string sqlState, int @try);

        [LoggerMessage(91, LogLevel.Warning, "Lost the notice connection to PostgreSQL ({Reason}); reconnecting")]
        public static partial void ListenerLost(ILogger logger, string reason);
    }
}
