using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using Google.Protobuf.WellKnownTypes;

namespace RenderFarm.Coordinator.Tests.Housekeeping;

/// <summary>The store's part of job control and housekeeping, on both databases.</summary>
public sealed class HousekeepingStoreTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Store_PausedJobsTasksAreNotQueued_EndedJobsAreDeleted_GonePresenceIsForgotten(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var paused = await farm.SubmitAsync("paused");
        var open = await farm.SubmitAsync("open");
        await farm.Store.InTransactionAsync(tx => { tx.SetJobPauseAsync(paused.Id, new JobPause { PausedBy = "op", Reason = "", PauseTime = Timestamp.FromDateTimeOffset(farm.Time.GetUtcNow()) }); return Task.FromResult(true); }, CancellationToken.None);

        var queued = await farm.Store.GetQueuedTasksAsync(10, CancellationToken.None);
        Assert.Equal([open.Id], queued.Select(t => t.JobId));
        Assert.Equal("op", (await farm.Store.FindJobPausesAsync([paused.Id, open.Id], CancellationToken.None))[paused.Id].PausedBy);

        await farm.Catalog.CancelAsync(paused.Id, CancellationToken.None);
        farm.Time.Advance(TimeSpan.FromDays(2));
        var (jobs, _) = await farm.Store.InTransactionAsync(tx => tx.DeleteEndedJobsAsync(farm.Time.GetUtcNow() - TimeSpan.FromDays(1), 100), CancellationToken.None);
        Assert.Equal(1, jobs);
        Assert.Null(await farm.Store.FindJobAsync(paused.Id, CancellationToken.None));

        var forgotten = await farm.Store.InTransactionAsync(tx => tx.ForgetDisconnectedAgentsAsync("nobody", farm.Time.GetUtcNow()), CancellationToken.None);
        Assert.Empty(forgotten);
        Assert.Empty(await farm.Store.InTransactionAsync(tx => tx.ForgetDisconnectedAgentsAsync(null, farm.Time.GetUtcNow()), CancellationToken.None));
        Assert.True(await farm.Store.ReclaimFreeSpaceAsync(CancellationToken.None) >= 0);
    }
}
