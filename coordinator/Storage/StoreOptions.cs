using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Storage;

/// <summary>Which database holds the farm, bound from the <c>Store</c> configuration section.</summary>
public sealed class StoreOptions
{
    public const string Section = "Store";

    /// <summary><c>Sqlite</c> (default: one coordinator, a file under <c>Coordinator:DataDirectory</c>) or <c>Postgres</c> (several coordinators).</summary>
    [Required]
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>The PostgreSQL connection string (Npgsql form: <c>Host=db;Database=renderfarm;Username=farm;Password=...</c>); unused for SQLite.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How often clustered Quartz records that this coordinator is alive; a coordinator silent for longer takes over its triggers. Default 7.5 s.</summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

    /// <summary>
    /// SQLite only. <c>true</c> (default): every commit is flushed to disk before it is acknowledged, so an accepted
    /// job survives a power cut. <c>false</c> trades that for throughput (WAL <c>synchronous=NORMAL</c>): a commit
    /// still survives the process being killed, but a power cut can roll back the last few.
    /// </summary>
    public bool SqliteFlushEachCommit { get; set; } = true;

    /// <summary>
    /// PostgreSQL only: how many group-committed transactions this coordinator runs at once (each carries the work
    /// of every caller queued meanwhile, up to <see cref="SqlJobStore.MaxGroup"/>). Default 4. SQLite always uses one.
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = PostgresJobStore.DefaultWriters;
}

public enum StoreProvider
{
    Sqlite,
    Postgres,
}
