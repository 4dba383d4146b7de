using System.Data.Common;

namespace RenderFarm.Coordinator.Storage;

/// <summary>
/// The writes of a transaction that have not been sent yet. A write is held until the transaction next reads,
/// then sent together with that read as one batch (one round trip on PostgreSQL instead of one per statement),
/// or at the end of the piece of work that made it (<see cref="FlushAsync"/>). So a read always sees the
/// transaction's own writes, and a write that fails still fails the piece of work that made it. An update
/// that must change exactly one row is checked when its batch has run.
/// <para>
/// On a database without batches (SQLite, in-process: no round trips to save) the statements run one by one.
/// </para>
/// </summary>
internal sealed class PendingWrites(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
{
    private readonly List<Write> _writes = [];

    /// <summary>Holds a write; <paramref name="mustChangeOne"/> names the row ("task 't1'") when it must change exactly one.</summary>
    public void Add(string sql, (string Name, object? Value)[] parameters, string? mustChangeOne = null) =>
        _writes.Add(new Write(sql, parameters, mustChangeOne));

    public async Task FlushAsync()
    {
        if (_writes.Count == 0) return;
        var writes = Take();
        if (!connection.CanCreateBatch)
        {
            foreach (var write in writes) Check(write, await connection.ExecuteAsync(transaction, write.Sql, cancellationToken, write.Parameters));
            return;
        }

        await using var batch = Batch(writes);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        Check(writes, batch);
    }

    /// <summary>Runs the held writes and then <paramref name="sql"/>, in one batch where the database has them, and reads its rows.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, (string, object?)[] parameters)
    {
        if (_writes.Count == 0 || !connection.CanCreateBatch)
        {
            await FlushAsync();
            return await connection.QueryAsync(transaction, sql, read, cancellationToken, parameters);
        }

        List<T> rows = [];
        await RunAsync([new Query(sql, parameters, async reader => rows = await ReadAllAsync(reader, read))]);
        return rows;
    }

    /// <summary>Runs the held writes and then two queries, in one batch where the database has them, and reads both.</summary>
    public async Task<(List<T1>, List<T2>)> QueryAsync<T1, T2>(
        string sql1, Func<DbDataReader, T1> read1, (string, object?)[] parameters1,
        string sql2, Func<DbDataReader, T2> read2, (string, object?)[] parameters2)
    {
        (List<T1> First, List<T2> Second) rows = ([], []);
        await RunAsync([
            new Query(sql1, parameters1, async reader => rows.First = await ReadAllAsync(reader, read1)),
            new Query(sql2, parameters2, async reader => rows.Second = await ReadAllAsync(reader, read2)),
        ]);
        return rows;
    }

    /// <summary>Runs the held writes and then three queries, in one batch where the database has them, and reads all three.</summary>
    public async Task<(List<T1>, List<T2>, List<T3>)> QueryAsync<T1, T2, T3>(
        (string Sql, Func<DbDataReader, T1> Read, (string, object?)[] Parameters) first,
        (string Sql, Func<DbDataReader, T2> Read, (string, object?)[] Parameters) second,
        (string Sql, Func<DbDataReader, T3> Read, (string, object?)[] Parameters) third)
    {
        (List<T1> First, List<T2> Second, List<T3> Third) rows = ([], [], []);
        await RunAsync([
            new Query(first.Sql, first.Parameters, async reader => rows.First = await ReadAllAsync(reader, first.Read)),
            new Query(second.Sql, second.Parameters, async reader => rows.Second = await ReadAllAsync(reader, second.Read)),
            new Query(third.Sql, third.Parameters, async reader => rows.Third = await ReadAllAsync(reader, third.Read)),
        ]);
        return rows;
    }

    private async Task RunAsync(Query[] queries)
    {
        if (!connection.CanCreateBatch)
        {
            await FlushAsync();
            foreach (var query in queries) await connection.ReadAsync(transaction, query.Sql, query.ReadAsync, cancellationToken, query.Parameters);
            return;
        }

        var writes = Take();
        await using var batch = Batch(writes);
        foreach (var query in queries)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = query.Sql;
            AddParameters(command, query.Parameters);
            batch.BatchCommands.Add(command);
        }

        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // Statements that return no rows have no result set: the reader starts on the first query's.
            for (var i = 0; i < queries.Length; i++)
            {
                if (i > 0 && !await reader.NextResultAsync(cancellationToken)) throw new InvalidOperationException("A batched query returned no result set.");
                await queries[i].ReadAsync(reader);
            }
        }

        Check(writes, batch);
    }

    private async Task<List<T>> ReadAllAsync<T>(DbDataReader reader, Func<DbDataReader, T> read)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(read(reader));
        return rows;
    }

    private List<Write> Take()
    {
        var writes = _writes.ToList();
        _writes.Clear();
        return writes;
    }

    private DbBatch Batch(List<Write> writes)
    {
        var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var write in writes)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = write.Sql;
            AddParameters(command, write.Parameters);
            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    private static void AddParameters(DbBatchCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
    }

    private static void Check(List<Write> writes, DbBatch batch)
    {
        for (var i = 0; i < writes.Count; i++) Check(writes[i], batch.BatchCommands[i].RecordsAffected);
    }

    private static void Check(Write write, int changed)
    {
        if (write.MustChangeOne is { } row && changed != 1) throw new InvalidOperationException($"The {row} to update does not exist.");
    }

    private sealed record Query(string Sql, (string Name, object? Value)[] Parameters, Func<DbDataReader, Task> ReadAsync);

    private sealed record Write(string Sql, (string Name, object? Value)[] Parameters, string? MustChangeOne);
}
