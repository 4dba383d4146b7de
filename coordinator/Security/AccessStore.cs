using System.Data.Common;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Security;

/// <summary>API keys and agent credentials, by hash, in the farm's database (tables from schema version 4).</summary>
public sealed class AccessStore(SqlJobStore store)
{
    public sealed record ApiKey(string Id, string Name, Role Role, DateTimeOffset CreateTime, DateTimeOffset? RevokeTime);

    public sealed record AgentCredential(string AgentName, DateTimeOffset CreateTime, DateTimeOffset? RevokeTime);

    public async Task InsertApiKeyAsync(ApiKey key, string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ExecuteAsync(null, "INSERT INTO rf_api_keys (id, name, role, key_hash, create_time) VALUES (@id, @name, @role, @hash, @time)", cancellationToken,
            ("@id", key.Id), ("@name", key.Name), ("@role", (int)key.Role), ("@hash", hash), ("@time", key.CreateTime.ToUnixTimeMilliseconds()));
    }

    /// <summary>The live key with this hash, if any.</summary>
    public async Task<ApiKey?> FindApiKeyAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var keys = await connection.QueryAsync(null, $"SELECT {KeyColumns} FROM rf_api_keys WHERE key_hash = @hash AND revoke_time IS NULL", ReadKey, cancellationToken, ("@hash", hash));
        return keys.Count == 0 ? null : keys[0];
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.QueryAsync(null, $"SELECT {KeyColumns} FROM rf_api_keys ORDER BY create_time", ReadKey, cancellationToken);
    }

    /// <summary>Revokes the live keys whose id is <paramref name="idOrName"/>, or whose name is, when no id matches; returns them.</summary>
    public async Task<IReadOnlyList<ApiKey>> RevokeApiKeysAsync(string idOrName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var live = await connection.QueryAsync(null, $"SELECT {KeyColumns} FROM rf_api_keys WHERE revoke_time IS NULL AND (id = @k OR name = @k)", ReadKey, cancellationToken, ("@k", idOrName));
        var chosen = live.Where(k => k.Id == idOrName).ToList() is { Count: > 0 } byId ? byId : live;
        foreach (var key in chosen)
        {
            await connection.ExecuteAsync(null, "UPDATE rf_api_keys SET revoke_time = @t WHERE id = @id", cancellationToken, ("@t", now.ToUnixTimeMilliseconds()), ("@id", key.Id));
        }

        return chosen.Select(k => k with { RevokeTime = now }).ToList();
    }

    /// <summary>Stores a new credential for an agent unless it already holds a live one; returns whether it was stored.</summary>
    public async Task<bool> TryInsertAgentCredentialAsync(string agentName, string hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var live = await connection.QueryAsync(transaction, "SELECT 1 FROM rf_agent_credentials WHERE agent_name = @n AND revoke_time IS NULL", r => 1, cancellationToken, ("@n", agentName));
        if (live.Count > 0) return false;
        await connection.ExecuteAsync(transaction, "INSERT INTO rf_agent_credentials (agent_name, credential_hash, create_time) VALUES (@n, @h, @t)", cancellationToken,
            ("@n", agentName), ("@h", hash), ("@t", now.ToUnixTimeMilliseconds()));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The name of the agent whose live credential has this hash, if any.</summary>
    public async Task<string?> FindAgentAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var names = await connection.QueryAsync(null, "SELECT agent_name FROM rf_agent_credentials WHERE credential_hash = @h AND revoke_time IS NULL", r => r.GetString(0), cancellationToken, ("@h", hash));
        return names.Count == 0 ? null : names[0];
    }

    public async Task<IReadOnlyList<AgentCredential>> ListAgentCredentialsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.QueryAsync(null, "SELECT agent_name, create_time, revoke_time FROM rf_agent_credentials ORDER BY create_time", ReadAgent, cancellationToken);
    }

    /// <summary>Revokes an agent's live credential; returns it, or null when it holds none.</summary>
    public async Task<AgentCredential?> RevokeAgentAsync(string agentName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var live = await connection.QueryAsync(null, "SELECT agent_name, create_time, revoke_time FROM rf_agent_credentials WHERE agent_name = @n AND revoke_time IS NULL", ReadAgent, cancellationToken, ("@n", agentName));
        if (live.Count == 0) return null;
        await connection.ExecuteAsync(null, "UPDATE rf_agent_credentials SET revoke_time = @t WHERE agent_name = @n AND revoke_time IS NULL", cancellationToken,
            ("@t", now.ToUnixTimeMilliseconds()), ("@n", agentName));
        return live[0] with { RevokeTime = now };
    }

    private const string KeyColumns = "id, name, role, create_time, revoke_time";

    private static ApiKey ReadKey(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), (Role)r.GetInt32(2), FromMillis(r.GetInt64(3)), r.IsDBNull(4) ? null : FromMillis(r.GetInt64(4)));

    private static AgentCredential ReadAgent(DbDataReader r) =>
        new(r.GetString(0), FromMillis(r.GetInt64(1)), r.IsDBNull(2) ? null : FromMillis(r.GetInt64(2)));

    private static DateTimeOffset FromMillis(long millis) => DateTimeOffset.FromUnixTimeMilliseconds(millis);

    private Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => store.OpenConnectionAsync(cancellationToken);
}
