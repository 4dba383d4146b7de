using Microsoft.Data.Sqlite;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Storage;

public sealed class SchemaMigrationTests
{
    [Fact]
    public async Task VersionOneDatabase_IsMigratedInPlace_AndItsJobsReadBack()
    {
        using var dir = new TempDir();
        var connectionString = SqliteJobStore.ConnectionStringFor(Path.Combine(dir.Path, "farm.db"));
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            foreach (var sql in SqlSchema.Migrations[0].Append(SqlSchema.CreateVersionTable).Append("INSERT INTO rf_schema (version) VALUES (1)"))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync();
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO rf_jobs (id, seq, spec, state, create_time) VALUES ('job-old', 7, '{"name":"From V1","owner":"olga"}', 4, 1700000000000);
                INSERT INTO rf_tasks (id, job_id, state, priority, seq, work, requirements, failed_attempts, lost_attempts, max_retries)
                    VALUES ('job-old-t0', 'job-old', 5, 0, 7, '{}', 'libx264;zscale;media', 0, 0, 3);
                """;
            await insert.ExecuteNonQueryAsync();
        }

        var store = new SqliteJobStore(connectionString);
        await store.InitializeAsync(CancellationToken.None);
        await store.InitializeAsync(CancellationToken.None);

        var job = await store.FindJobAsync("job-old", CancellationToken.None);
        Assert.Equal(("From V1", JobState.Succeeded, (Recurrence?)null), (job!.Spec.Name, job.State, job.Recurrence));
        var found = await store.ListJobsAsync(new JobListFilter([], Owner: "olga", NameContains: "from v"), null, 10, CancellationToken.None);
        Assert.Equal("job-old", Assert.Single(found).Id); // the migration copied the owner and the name out of the stored spec
        var task = Assert.Single(await store.GetTasksAsync("job-old", CancellationToken.None));
        Assert.Equal((TaskWait.None, 0, TimeSpan.Zero), (task.WaitingFor, task.BlockedAgents.Count, task.Limits.MaxRunTime));
        Assert.Empty(await store.GetDrainedAgentsAsync(CancellationToken.None));
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task NewerDatabase_IsRefusedWithAnUpgradeHint()
    {
        using var dir = new TempDir();
        var connectionString = SqliteJobStore.ConnectionStringFor(Path.Combine(dir.Path, "farm.db"));
        var store = new SqliteJobStore(connectionString);
        await store.InitializeAsync(CancellationToken.None);
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var bump = connection.CreateCommand();
            bump.CommandText = "UPDATE rf_schema SET version = 99";
            await bump.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(CancellationToken.None));
        Assert.Contains("upgrade the coordinator", error.Message);
        SqliteConnection.ClearAllPools();
    }
}
