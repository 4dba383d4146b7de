namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// What differs between the SQL databases the farm runs on; every query is otherwise the same text.
/// SQLite has one writer at a time, so it needs no row locks; PostgreSQL serves several coordinators at
/// once, so a transaction locks the rows it reads before it changes them.
/// </summary>
public sealed record SqlDialect(string Name, string RowLock, string ClaimLock)
{
    /// <summary>
    /// Embedded: writers are serialised in-process, so reads inside a transaction need no lock, and a QUEUED task is
    /// assigned by one <c>UPDATE ... RETURNING</c>.
    /// </summary>
    public static readonly SqlDialect Sqlite = new("sqlite", "", "") { AssignsByUpdate = true };

    /// <summary>
    /// A QUEUED task moves to ASSIGNED in one statement that returns the row (<c>UPDATE ... WHERE state = QUEUED
    /// RETURNING</c>); otherwise it is read with <see cref="ClaimLock"/> and then updated.
    /// </summary>
    public bool AssignsByUpdate { get; init; }

    /// <summary>
    /// Several coordinators: a row read in order to change it is locked (<c>FOR UPDATE</c>); a QUEUED task is
    /// claimed with <c>FOR UPDATE SKIP LOCKED</c>, so a coordinator never waits for, nor takes, a task another
    /// coordinator is claiming.
    /// </summary>
    public static readonly SqlDialect Postgres = new("postgres", " FOR UPDATE", " FOR UPDATE SKIP LOCKED");
}
