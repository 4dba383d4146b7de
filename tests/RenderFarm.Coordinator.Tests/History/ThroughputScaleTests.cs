using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using RenderFarm.Coordinator.History;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Xunit.Abstractions;

namespace RenderFarm.Coordinator.Tests.History;

/// <summary>
/// GetThroughput over a store holding 100,000 finished jobs (one attempt each, ended 864 ms apart over the last 24 hours):
/// the hour's series reads the hour's rows only, and even the whole day's stays well under a second.
/// </summary>
public sealed class ThroughputScaleTests(ITestOutputHelper output)
{
    private const int Jobs = 100_000;
    private const int SpacingMs = 864; // 100,000 jobs over 24 hours

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_100000FinishedJobs_HourAndDayCountedFast(string provider)
    {
        var postgres = provider == "postgres" ? await RenderFarm.Testing.TestPostgres.CreateDatabaseAsync() : null;
        await using var farm = postgres is null ? new DomainHarness() : new DomainHarness(await DomainHarness.NewPostgresStoreAsync(postgres));
        var now = farm.Time.GetUtcNow();
        await using (var connection = await OpenAsync(postgres, farm))
        {
            await SeedAsync(connection, now.ToUnixTimeMilliseconds(), postgres is not null);
        }

        var series = new ThroughputSeries(farm.Store, farm.Time);
        await series.GetAsync(TimeSpan.Zero, TimeSpan.Zero, CancellationToken.None); // warm: connections, statements
        var (hour, hourMs) = await TimeAsync(() => series.GetAsync(TimeSpan.Zero, TimeSpan.Zero, CancellationToken.None));
        var (day, dayMs) = await TimeAsync(() => series.GetAsync(TimeSpan.FromHours(24), TimeSpan.FromMinutes(1), CancellationToken.None));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"MEASURE throughput_{provider}_100k_jobs_last_hour_ms={hourMs:0.0} last_24h_ms={dayMs:0.0} (jobs in the hour: {hour.Total.JobsSucceeded})"));

        // The hour holds the jobs that ended in its 60 buckets: the current minute up to now and the 59 before it.
        var inHour = (int)Math.Floor((now - hour.StartTime.ToDateTimeOffset()).TotalMilliseconds / SpacingMs) + 1;
        Assert.Equal((uint)inHour, hour.Total.JobsSucceeded);
        Assert.Equal((uint)inHour, hour.Total.TasksSucceeded);
        Assert.Equal(24UL * (ulong)inHour, hour.Total.Frames);
        Assert.InRange(hour.Total.BusySlots, 0.4, 0.6); // each held a slot for the 432 ms before it ended: half of every 864 ms
        Assert.Equal(1440, day.Buckets.Count);
        Assert.InRange(day.Total.JobsSucceeded, Jobs - 100u, (uint)Jobs);
        Assert.InRange(hourMs, 0, 1_000); // typically a few milliseconds; room for a loaded machine
        Assert.InRange(dayMs, 0, 5_000);

        // For the record: the same hour without the index on the jobs' end time (migration "Throughput") reads every job.
        await using (var connection = await OpenAsync(postgres, farm))
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP INDEX rf_jobs_by_end";
            await drop.ExecuteNonQueryAsync();
        }

        var (_, unindexedMs) = await TimeAsync(() => series.GetAsync(TimeSpan.Zero, TimeSpan.Zero, CancellationToken.None));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MEASURE throughput_{provider}_100k_jobs_last_hour_without_rf_jobs_by_end_ms={unindexedMs:0.0}"));
    }

    private static async Task<(GetThroughputResponse, double)> TimeAsync(Func<Task<GetThroughputResponse>> call)
    {
        var best = double.MaxValue;
        GetThroughputResponse? response = null;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            response = await call();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        return (response!, best);
    }

    private static async Task<DbConnection> OpenAsync(string? postgres, DomainHarness farm)
    {
        DbConnection connection = postgres is null
            ? new SqliteConnection(SqliteJobStore.ConnectionStringFor(Path.Combine(farm.Root, "farm.db")))
            : new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>100,000 succeeded jobs with a task and an attempt each, the i-th ending i * 864 ms before now, in three statements.</summary>
    private static async Task SeedAsync(DbConnection connection, long now, bool postgres)
    {
        const string numbers = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999) ";
        var spec = """'{"name":"load","inputPath":"/media/in/clip-0001.mov","outputPath":"/media/out/clip-0001.mp4","output":{"preset":"PRESET_H264_PROXY_540P"}}'""";
        string[] statements =
        [
            $"INSERT INTO rf_jobs (id, seq, spec, state, create_time, start_time, end_time, error, result) {numbers}" +
            $"SELECT 'job-' || i, i + 1, {spec}, {(int)JobState.Succeeded}, {now} - i * {SpacingMs} - 1000, {now} - i * {SpacingMs} - 432, {now} - i * {SpacingMs}, NULL, '{{\"path\":\"out.mp4\",\"frameCount\":\"24\"}}' FROM n",
            $"INSERT INTO rf_tasks (id, job_id, state, priority, seq, work, requirements, failed_attempts, lost_attempts, max_retries, not_before) {numbers}" +
            $"SELECT 'task-' || i, 'job-' || i, {(int)TaskState.Succeeded}, 0, i + 1, '{{}}', '', 0, 0, 2, NULL FROM n",
            $"INSERT INTO rf_attempts (id, task_id, job_id, agent_id, outcome, start_time, lease_expiry, end_time, failure_class, error, exit_code, log_tail, frames, media_ms) {numbers}" +
            $"SELECT 'att-' || i, 'task-' || i, 'job-' || i, 'agent-a', {(int)AttemptOutcome.Succeeded}, {now} - i * {SpacingMs} - 432, {now}, {now} - i * {SpacingMs}, 0, NULL, 0, NULL, 24, 1000 FROM n",
        ];
        // PostgreSQL: the per-row triggers that keep the state counters would update one counter row 200,000 times in one
        // transaction (minutes); this test reads no counts, so they are off while it seeds.
        string[] triggersOff = ["ALTER TABLE rf_jobs DISABLE TRIGGER USER", "ALTER TABLE rf_tasks DISABLE TRIGGER USER"];
        string[] triggersOn = ["ALTER TABLE rf_jobs ENABLE TRIGGER USER", "ALTER TABLE rf_tasks ENABLE TRIGGER USER", "ANALYZE"];
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var sql in postgres ? [.. triggersOff, .. statements, .. triggersOn] : statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.CommandTimeout = 300;
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }
}
