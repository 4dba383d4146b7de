namespace RenderFarm.Fault.Tests.Support;

/// <summary>How to start one agent process.</summary>
/// <param name="Name">The agent's name (its id at the coordinator).</param>
public sealed record AgentSettings(string Name)
{
    public int Slots { get; init; } = 1;

    /// <summary>The address to dial; null = the coordinator itself (set a <see cref="TcpRelay"/> address to cut the link).</summary>
    public string? Coordinator { get; init; }

    /// <summary>Longest wait between reconnection tries (product default 30 s).</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A session at least this long resets the reconnect backoff; null = the product default.</summary>
    public TimeSpan? ReconnectBackoffResetAfter { get; init; }

    /// <summary>The agent's HTTP/2 keepalive ping delay (and timeout); null = the product default.</summary>
    public TimeSpan? KeepAlivePingDelay { get; init; }

    /// <summary>A folder put first on the agent's PATH, e.g. one holding a stand-in <c>ffmpeg</c>.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Transfer mode: the agent sees no media root; its cache and work folders are its own.</summary>
    public bool Transfer { get; init; }
}
