using System.Data.Common;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>PostgreSQL plans from table statistics: a queue that grew in seconds must be analysed before autovacuum gets to it.</summary>
public sealed class TableStatisticsTests
{
    [Fact]
    public async Task GrownQueue_IsAnalysedOnce_AndPlansExpectItsRealRows()
    {
        await using var farm = await DomainHarness.ForAsync("postgres");
        var store = (PostgresJobStore)farm.Store;
        await using (var setup = await store.OpenConnectionAsync(CancellationToken.None))
        {
            // Autovacuum would analyse the grown tables too, whenever it next visits this database: only the job's analysis counts here.
            await ScalarAsync(setup, "ALTER TABLE rf_jobs SET (autovacuum_enabled = false); ALTER TABLE rf_tasks SET (autovacuum_enabled = false); SELECT 0");
        }

        var jobs = new List<string>();
        for (var i = 0; i < 24; i++) jobs.AddRange((await Task.WhenAll(Enumerable.Range(0, 50).Select(j => farm.SubmitAsync($"clip{i}-{j}")))).Select(j => j.Id));

        // A server process reports its changes when it has been idle a while (up to about ten seconds later).
        IReadOnlyList<string> analysed = [];
        for (var i = 0; i < 60 && analysed.Count < 2; i++)
        {
            analysed = [.. analysed, .. await store.AnalyzeChangedTablesAsync(CancellationToken.None)];
            if (analysed.Count < 2) await Task.Delay(500);
        }

        Assert.Equal(["rf_jobs", "rf_tasks"], analysed.Order());
        Assert.Empty(await store.AnalyzeChangedTablesAsync(CancellationToken.None));

        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(jobs.Count, await ScalarAsync(connection, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'rf_tasks'::regclass"));
        // The event pump reads a list of jobs' tasks: with statistics PostgreSQL expects one task a job, as there is, and
        // plans an index lookup once the queue is big; without, it expected 0.5 % of the table a job (120 rows here, 20,000
        // in a queue of 20,000 tasks), a sequential scan.
        var ids = string.Join(", ", jobs.Take(20).Select(id => $"'{id}'"));
        var plan = await PlanAsync(connection, $"SELECT * FROM rf_tasks WHERE job_id = ANY(ARRAY[{ids}])");
        var expected = int.Parse(System.Text.RegularExpressions.Regex.Match(plan, @"rows=(\d+)").Groups[1].Value);
        Assert.InRange(expected, 1, 40);
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task<string> PlanAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN " + sql;
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return string.Join('\n', lines);
    }
}
