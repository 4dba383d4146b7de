using System.Data.Common;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Operators' schedules for agents, in the farm's database (<c>rf_agent_schedules</c>). Like <c>AccessStore</c> it opens
/// its own connections: a schedule changes apart from jobs and never inside a job transaction.
/// </summary>
public sealed class AgentScheduleStore(SqlJobStore store)
{
    /// <summary>Stores an agent's schedule, or removes it (null).</summary>
    public async Task SetAsync(string agentId, OperatorSchedule? schedule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (schedule is null)
        {
            await connection.ExecuteAsync(null, "DELETE FROM rf_agent_schedules WHERE agent_id = @id", cancellationToken, ("@id", agentId));
            return;
        }

        await connection.ExecuteAsync(null,
            """
            INSERT INTO rf_agent_schedules (agent_id, hours, time_zone, update_time) VALUES (@id, @hours, @zone, @now)
            ON CONFLICT (agent_id) DO UPDATE SET hours = @hours, time_zone = @zone, update_time = @now
            """, cancellationToken,
            ("@id", agentId), ("@hours", schedule.Hours), ("@zone", schedule.TimeZone), ("@now", now.ToUnixTimeMilliseconds()));
    }

    /// <summary>One agent's schedule, or null when it follows its own hours.</summary>
    public async Task<OperatorSchedule?> FindAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, "SELECT hours, time_zone FROM rf_agent_schedules WHERE agent_id = @id", Read, cancellationToken, ("@id", agentId));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Every stored schedule, by agent id.</summary>
    public async Task<IReadOnlyDictionary<string, OperatorSchedule>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync(null, "SELECT agent_id, hours, time_zone FROM rf_agent_schedules", r => (r.GetString(0), new OperatorSchedule { Hours = r.GetString(1), TimeZone = r.GetString(2) }), cancellationToken);
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    private static OperatorSchedule Read(DbDataReader r) => new() { Hours = r.GetString(0), TimeZone = r.GetString(1) };

    private Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => store.OpenConnectionAsync(cancellationToken);
}
