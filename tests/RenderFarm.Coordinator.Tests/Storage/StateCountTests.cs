using System.Data.Common;
using Microsoft.Data.Sqlite;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Storage;

/// <summary>Counts by state come from counters the database keeps; they must always equal a recount of the rows.</summary>
public sealed class StateCountTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CountsByState_AfterConcurrentSubmitsClaimsCompletionsAndCancels_EqualARecount(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => farm.SubmitAsync($"clip{i}")));
        var claimed = await farm.Attempts.TryAssignManyAsync(
            (await farm.Store.GetQueuedTasksAsync(25, CancellationToken.None)).Select((t, i) => (t, $"agent-{i}")).ToList(), CancellationToken.None);
        var fences = await Task.WhenAll(claimed.Take(15).Select(a =>
            farm.Attempts.CompleteAsync(a!.AgentId, new TaskCompleted { AttemptId = a.Id, Output = new OutputInfo { FrameCount = 10 } }, CancellationToken.None)));
        Assert.All(fences, f => Assert.Equal(Fence.Accepted, f));
        await farm.Catalog.CancelAsync((await farm.Store.GetQueuedTasksAsync(1, CancellationToken.None))[0].JobId, CancellationToken.None);

        var jobCounts = await farm.Store.CountJobsByStateAsync(CancellationToken.None);
        var taskCounts = await farm.Store.CountTasksByStateAsync(CancellationToken.None);
        Assert.Equal(await RecountAsync(farm.Store, "rf_jobs"), jobCounts.ToDictionary(c => (int)c.Key, c => c.Value));
        Assert.Equal(await RecountAsync(farm.Store, "rf_tasks"), taskCounts.ToDictionary(c => (int)c.Key, c => c.Value));
        Assert.Equal((15, 10, 14, 1), (jobCounts[JobState.Succeeded], jobCounts[JobState.Running], jobCounts[JobState.Queued], jobCounts[JobState.Canceled]));

        var stats = await farm.Store.GetQueueCountsAsync(CancellationToken.None);
        Assert.Equal(jobCounts, stats.Jobs);
        Assert.Equal([(15, 0, 150L), (15, 0, 150L)], await farm.Store.GetFinishedSinceAsync([farm.Time.GetUtcNow().AddMinutes(-1), farm.Time.GetUtcNow().AddMinutes(-15)], CancellationToken.None));
    }

    [Fact]
    public async Task ClosedSessionsCounters_AreFoldedIntoOne_WithoutChangingAnyCount()
    {
        await using var farm = await DomainHarness.ForAsync("postgres");
        var connectionString = ((PostgresJobStore)farm.Store).ConnectionString;
        await using (var otherFarm = new DomainHarness(await DomainHarness.NewPostgresStoreAsync(connectionString)))
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => otherFarm.SubmitAsync($"clip{i}")));
        }

        var before = await farm.Store.CountJobsByStateAsync(CancellationToken.None);
        await using var connection = await ((SqlJobStore)farm.Store).OpenConnectionAsync(CancellationToken.None);
        Assert.True(await ScalarAsync(connection, "SELECT COUNT(*) FROM rf_state_counts WHERE shard <> 0") > 0);

        // The other coordinator's sessions have closed; their server processes end a moment later.
        for (var i = 0; i < 100 && await ScalarAsync(connection, "SELECT COUNT(*) FROM rf_state_counts WHERE shard <> 0") > 0; i++)
        {
            await ExecuteAsync(connection, StateCounts.FoldSql);
            await Task.Delay(100);
        }

        Assert.Equal(0, await ScalarAsync(connection, "SELECT COUNT(*) FROM rf_state_counts WHERE shard <> 0"));
        Assert.Equal(10, before[JobState.Queued]);
        Assert.Equal(before, await farm.Store.CountJobsByStateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task VersionFourDatabase_GetsCountersFilledFromItsRows()
    {
        using var dir = new TempDir();
        var connectionString = SqliteJobStore.ConnectionStringFor(Path.Combine(dir.Path, "farm.db"));
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            var statements = SqlSchema.Migrations.Take(4).SelectMany(m => m).Append(SqlSchema.CreateVersionTable).Append("INSERT INTO rf_schema (version) VALUES (4)").Append("""
                INSERT INTO rf_jobs (id, seq, spec, state, create_time) VALUES ('job-a', 1, '{"name":"a"}', 4, 1700000000000), ('job-b', 2, '{"name":"b"}', 2, 1700000000000);
                INSERT INTO rf_tasks (id, job_id, state, priority, seq, work, requirements, failed_attempts, lost_attempts, max_retries)
                    VALUES ('job-a-t0', 'job-a', 5, 0, 1, '{}', 'libx264;zscale;media', 0, 0, 3), ('job-b-t0', 'job-b', 2, 0, 2, '{}', 'libx264;zscale;media', 0, 0, 3);
                """);
            foreach (var sql in statements) await ExecuteAsync(connection, sql);
        }

        var store = new SqliteJobStore(connectionString);
        await store.InitializeAsync(CancellationToken.None);

        Assert.Equal(new Dictionary<JobState, int> { [JobState.Succeeded] = 1, [JobState.Queued] = 1 }, await store.CountJobsByStateAsync(CancellationToken.None));
        Assert.Equal(new Dictionary<TaskState, int> { [TaskState.Succeeded] = 1, [TaskState.Queued] = 1 }, await store.CountTasksByStateAsync(CancellationToken.None));
        SqliteConnection.ClearAllPools();
    }

    private static async Task<Dictionary<int, int>> RecountAsync(IJobStore store, string table)
    {
        await using var connection = await ((SqlJobStore)store).OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT state, COUNT(*) FROM {table} GROUP BY state";
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<int, int>();
        while (await reader.ReadAsync()) counts[reader.GetInt32(0)] = Convert.ToInt32(reader.GetValue(1));
        return counts;
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
