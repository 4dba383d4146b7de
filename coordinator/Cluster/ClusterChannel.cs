using Npgsql;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// Sends and hears <see cref="ClusterNotice"/>s. One connection listens (and reconnects when cut); a notice this
/// coordinator sent is not raised back to it.
/// </summary>
public sealed partial class ClusterChannel(NpgsqlDataSource dataSource, ILogger<ClusterChannel> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This coordinator's id in presence rows and notices, new at every start.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Raised with the agent's id when another coordinator changed its stored drain.</summary>
    public event Action<string>? DrainChanged;

    /// <summary>Raised with progress other coordinators' agents reported.</summary>
    public event Action<IReadOnlyList<TaskProgressNote>>? ProgressReceived;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        await _listening.Task.WaitAsync(cancellationToken);
    }

    public async Task SendAsync(IEnumerable<string> payloads, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var payload in payloads)
        {
            var notify = new NpgsqlBatchCommand("SELECT pg_notify(@channel, @payload)");
            notify.Parameters.AddWithValue("channel", ClusterNotice.Channel);
            notify.Parameters.AddWithValue("payload", payload);
            batch.BatchCommands.Add(notify);
        }

        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotice(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterNotice.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _listening.TrySetResult();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                Log.ListenerLost(logger, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
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
        var notice = ClusterNotice.Parse(payload);
        if (notice is null || notice.Origin == Origin) return;
        if (notice.DrainedAgent is { } agentId) DrainChanged?.Invoke(agentId);
        if (notice.Progress is { Count: > 0 } progress) ProgressReceived?.Invoke(progress);
    }

    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Warning, "Lost the agent-notice connection to PostgreSQL ({Reason}); reconnecting")]
        public static partial void ListenerLost(ILogger logger, string reason);
    }
}
