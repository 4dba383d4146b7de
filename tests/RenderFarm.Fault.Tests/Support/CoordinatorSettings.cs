namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// The coordinator's timing for a test (passed as <c>--Coordinator:...</c>): short leases and sweeps so faults
/// show within seconds instead of the production defaults (30 s lease, 5 s sweep, 10 s retry base).
/// </summary>
public sealed record CoordinatorSettings
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(4);

    public int DefaultMaxRetries { get; init; } = 3;

    /// <summary>A PostgreSQL database shared with other coordinators; null = SQLite in the data folder.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Inputs shorter than this are not split into chunks (the coordinator's default is 60 s).</summary>
    public TimeSpan ChunkMinInputDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>More <c>--Section:Key=value</c> arguments for the coordinator.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>The settings most tests use: 3 s lease, 1 s heartbeat, 1 s sweep, 1 s retry base.</summary>
    public static CoordinatorSettings Fast { get; } = new();
}
