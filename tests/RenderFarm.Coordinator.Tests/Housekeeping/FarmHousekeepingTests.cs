using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Housekeeping;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Housekeeping;

/// <summary>Finished jobs, their attempts and logs, and long-gone agents leave on the fake clock; the file gives its space back.</summary>
public sealed class FarmHousekeepingTests : IAsyncLifetime
{
    private readonly DomainHarness _farm = new();
    private readonly AgentRegistry _agents = new();
    private FarmHousekeeping _housekeeping = null!;

    public Task InitializeAsync()
    {
        _housekeeping = new FarmHousekeeping(_farm.Store, _agents, Microsoft.Extensions.Options.Options.Create(_farm.Options), _farm.Time, NullLogger<FarmHousekeeping>.Instance);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task RunAsync_JobsEndedLongerAgo_GoWithTheirAttemptsAndLogs_NewerAndLiveJobsStay()
    {
        var old = await _farm.SubmitAsync("old");
        var attempt = await _farm.AssignAsync(old.Id);
        await _farm.Store.InTransactionAsync(tx => tx.AppendLogAsync(attempt, 0, new byte[1000], 1 << 20), CancellationToken.None);
        await _farm.Catalog.CancelAsync(old.Id, CancellationToken.None);

        _farm.Time.Advance(TimeSpan.FromDays(31));
        var recent = await _farm.SubmitAsync("recent");
        await _farm.Catalog.CancelAsync(recent.Id, CancellationToken.None);
        var live = await _farm.SubmitAsync("live");

        var result = await _housekeeping.RunAsync(CancellationToken.None);

        Assert.Equal((1, 1), (result.Jobs, result.Attempts));
        Assert.Null(await _farm.Store.FindJobAsync(old.Id, CancellationToken.None));
        Assert.Null(await _farm.Store.FindAttemptAsync(attempt.Id, CancellationToken.None));
        Assert.Empty(await _farm.Store.ReadLogAsync(attempt.Id, 0, 4096, CancellationToken.None));
        Assert.NotNull(await _farm.Store.FindJobAsync(recent.Id, CancellationToken.None));
        Assert.Equal(JobState.Queued, (await _farm.Store.FindJobAsync(live.Id, CancellationToken.None))!.State);
        var counts = await _farm.Store.CountJobsByStateAsync(CancellationToken.None);
        Assert.Equal((1, 1), (counts.GetValueOrDefault(JobState.Canceled), counts.GetValueOrDefault(JobState.Queued)));
    }

    [Fact]
    public async Task RunAsync_OldJobAnotherJobStillWaitsFor_Stays()
    {
        var first = await _farm.SubmitAsync("first");
        var waiting = await _farm.SubmitAsync("second", change: s => s.DependsOn.Add(first.Id));
        var attempt = await _farm.AssignAsync(first.Id);
        await _farm.Store.InTransactionAsync(async tx =>
        {
            // As if the first job had succeeded long ago while its dependent waits (e.g. it was retried and waits again).
            await tx.UpdateJobAsync((await tx.FindJobAsync(first.Id))! with { State = JobState.Succeeded, EndTime = _farm.Time.GetUtcNow() });
            return true;
        }, CancellationToken.None);
        _farm.Time.Advance(TimeSpan.FromDays(60));

        var result = await _housekeeping.RunAsync(CancellationToken.None);

        Assert.Equal(0, result.Jobs);
        Assert.NotNull(await _farm.Store.FindJobAsync(first.Id, CancellationToken.None));
        Assert.NotNull(await _farm.Store.FindAttemptAsync(attempt.Id, CancellationToken.None));
        Assert.Equal(JobState.Waiting, (await _farm.Store.FindJobAsync(waiting.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task RunAsync_ManyOldJobsWithLogs_RemovesThemInBatches_AndTheFileShrinks()
    {
        _farm.Options.Retention.BatchSize = 40;
        var log = System.Text.Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
        for (var i = 0; i < 100; i++)
        {
            var job = await _farm.SubmitAsync($"bulk-{i}");
            var attempt = await _farm.AssignAsync(job.Id);
            await _farm.Store.InTransactionAsync(tx => tx.AppendLogAsync(attempt, 0, log, 1 << 20), CancellationToken.None);
            await _farm.Catalog.CancelAsync(job.Id, CancellationToken.None);
        }

        var file = new FileInfo(Path.Combine(_farm.Root, "farm.db"));
        var before = file.Length + new FileInfo(file.FullName + "-wal").Length;
        _farm.Time.Advance(TimeSpan.FromDays(31));

        var result = await _housekeeping.RunAsync(CancellationToken.None);

        Assert.Equal(100, result.Jobs);
        Assert.True(await ((SqliteJobStore)_farm.Store).IsIncrementalVacuumAsync(CancellationToken.None), "a new database is made in incremental vacuum mode");
        Assert.True(result.BytesReclaimed > 5_000_000, $"gave back {result.BytesReclaimed} bytes of about 6.5 MB of logs (file {before} bytes)");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(SqliteJobStore.ConnectionStringFor(file.FullName)))
        {
            await connection.OpenAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await checkpoint.ExecuteNonQueryAsync();
        }

        file.Refresh();
        Assert.True(file.Length < before / 2, $"the database file is {file.Length} bytes after housekeeping, {before} before");
    }

    [Fact]
    public async Task RunAsync_AgentGoneLongerThanTheRetention_LeavesTheList_ARecentOneStays()
    {
        var longGone = Session("long-gone");
        _agents.Add(longGone);
        _agents.Remove(longGone);
        _farm.Time.Advance(TimeSpan.FromDays(8));
        var recent = Session("recent");
        _agents.Add(recent);
        _agents.Remove(recent);

        var result = await _housekeeping.RunAsync(CancellationToken.None);

        Assert.Equal(["long-gone"], result.AgentsForgotten);
        Assert.Equal(["recent"], _agents.Departed.Select(a => a.Id));
    }

    [Fact]
    public async Task ForgetAgentAsync_DisconnectedAgentGoes_ConnectedOrUnknownAreRefused()
    {
        var gone = Session("gone");
        _agents.Add(gone);
        _agents.Remove(gone);
        _agents.Add(Session("here"));

        await _housekeeping.ForgetAgentAsync("gone", CancellationToken.None);
        Assert.Empty(_agents.Departed);

        var connected = await Assert.ThrowsAsync<JobStateConflictException>(() => _housekeeping.ForgetAgentAsync("here", CancellationToken.None));
        Assert.Contains("is connected", connected.Message);
        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => _housekeeping.ForgetAgentAsync("gone", CancellationToken.None));
        Assert.Contains("farmctl agents", unknown.Message);
    }

    private AgentSession Session(string name) => new(new AgentHello { Name = name, Slots = 1 }, _farm.Time.GetUtcNow());
}
