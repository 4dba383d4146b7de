using Npgsql;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// Reads and writes agent presence in the shared PostgreSQL database. Writes are batched: one statement for every
/// agent that changed, one for the coordinator's heartbeat.
/// </summary>
public sealed class AgentPresenceStore(NpgsqlDataSource dataSource)
{
    /// <summary>One agent as a coordinator last wrote it.</summary>
    public sealed record Row(string AgentId, string Coordinator, bool Connected, DateTimeOffset ConnectTime, DateTimeOffset UpdateTime, string Info);

    /// <summary>A stored row with the heartbeat of the coordinator that wrote it (null when that coordinator is gone).</summary>
    public sealed record Seen(Row Row, DateTimeOffset? Heartbeat);

    /// <summary>
    /// Writes the rows in one statement. A row held by another coordinator is replaced only by a newer connection
    /// (a later connect time), so a coordinator that has not yet noticed a lost stream never takes an agent back.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<Row> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO rf_agent_presence (agent_id, coordinator, connected, connect_time, update_time, info)
            SELECT * FROM unnest(@ids, @coordinators, @connected, @connect_times, @update_times, @infos)
            ON CONFLICT (agent_id) DO UPDATE SET coordinator = excluded.coordinator, connected = excluded.connected,
                connect_time = excluded.connect_time, update_time = excluded.update_time, info = excluded.info
            WHERE rf_agent_presence.coordinator = excluded.coordinator OR excluded.connect_time >= rf_agent_presence.connect_time
            """);
        command.Parameters.AddWithValue("ids", rows.Select(r => r.AgentId).ToArray());
        command.Parameters.AddWithValue("coordinators", rows.Select(r => r.Coordinator).ToArray());
        command.Parameters.AddWithValue("connected", rows.Select(r => r.Connected ? 1 : 0).ToArray());
        command.Parameters.AddWithValue("connect_times", rows.Select(r => r.ConnectTime.ToUnixTimeMilliseconds()).ToArray());
        command.Parameters.AddWithValue("update_times", rows.Select(r => r.UpdateTime.ToUnixTimeMilliseconds()).ToArray());
        command.Parameters.AddWithValue("infos", rows.Select(r => r.Info).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records that <paramref name="coordinator"/> is alive, and forgets coordinators silent for a day.</summary>
    public async Task HeartbeatAsync(string coordinator, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var beat = new NpgsqlBatchCommand("""
            INSERT INTO rf_coordinators (id, heartbeat_time) VALUES (@id, @now)
            ON CONFLICT (id) DO UPDATE SET heartbeat_time = excluded.heartbeat_time
            """);
        beat.Parameters.AddWithValue("id", coordinator);
        beat.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        var forget = new NpgsqlBatchCommand("DELETE FROM rf_coordinators WHERE heartbeat_time < @old");
        forget.Parameters.AddWithValue("old", (now - TimeSpan.FromDays(1)).ToUnixTimeMilliseconds());
        batch.BatchCommands.Add(beat);
        batch.BatchCommands.Add(forget);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every agent row other coordinators wrote, with their writers' heartbeats.</summary>
    public async Task<IReadOnlyList<Seen>> ReadOthersAsync(string coordinator, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.agent_id, p.coordinator, p.connected, p.connect_time, p.update_time, p.info, c.heartbeat_time
            FROM rf_agent_presence p LEFT JOIN rf_coordinators c ON c.id = p.coordinator
            WHERE p.coordinator <> @me
            """);
        command.Parameters.AddWithValue("me", coordinator);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Seen>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new Row(reader.GetString(0), reader.GetString(1), reader.GetInt32(2) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5));
            rows.Add(new Seen(row, reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return rows;
    }

    /// <summary>A coordinator stopping: its agents are disconnected from it and its heartbeat is gone.</summary>
    public async Task LeaveAsync(string coordinator, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var agents = new NpgsqlBatchCommand("UPDATE rf_agent_presence SET connected = 0, update_time = @now WHERE coordinator = @me AND connected = 1");
        agents.Parameters.AddWithValue("me", coordinator);
        agents.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        var self = new NpgsqlBatchCommand("DELETE FROM rf_coordinators WHERE id = @me");
        self.Parameters.AddWithValue("me", coordinator);
        batch.BatchCommands.Add(agents);
        batch.BatchCommands.Add(self);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
