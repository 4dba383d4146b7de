namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// What differs between the SQL databases the farm runs on; every query is otherwise the same text.
/// SQLite has one writer at a time, so it needs no row locks; PostgreSQL serves several coordinators at
/// once, so a transaction locks the rows it reads before it changes them.
/// </summary>
public sealed record SqlDialect(string Name, string RowLock, string ClaimLock)
{
    /// <summary>A statement that takes a lock named <c>@name</c> until the transaction ends; empty where writers already take turns.</summary>
    public string NameLock => Name == "postgres" ? "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(@name))) l" : "";

    /// <summary>
    /// <c>column</c> is one of a list of ids given as one parameter (<see cref="IdList"/>), so the statement's text
    /// and its prepared plan stay the same whatever the list's length: an array on PostgreSQL, a JSON array on SQLite.
    /// </summary>
    public string InIds(string column, string parameter) =>
        Name == "postgres" ? $"{column} = ANY({parameter})" : $"{column} IN (SELECT value FROM json_each({parameter}))";

    /// <summary>The value of the parameter <see cref="InIds"/> names.</summary>
    public object IdList(IReadOnlyList<string> ids) =>
        Name == "postgres" ? ids.ToArray() : System.Text.Json.JsonSerializer.Serialize(ids);

    /// <summary>Embedded: writers are serialised in-process, so reads inside a transaction need no lock.</summary>
    public static readonly SqlDialect Sqlite = new("sqlite", "", "");

    /// <summary>
    /// Several coordinators: a row read in order to change it is locked (<c>FOR UPDATE</c>); a QUEUED task is
    /// claimed with <c>FOR UPDATE SKIP LOCKED</c>, so a coordinator never waits for, nor takes, a task another
    /// coordinator is claiming.
    /// </summary>
    public static readonly SqlDialect Postgres = new("postgres", " FOR UPDATE", " FOR UPDATE SKIP LOCKED");
}
