using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>Operators' schedules in the farm's database, the same on SQLite and PostgreSQL: stored, replaced, cleared.</summary>
public sealed class AgentScheduleStoreTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SetFindList_StoredReplacedAndCleared(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var store = new AgentScheduleStore((SqlJobStore)farm.Store);
        var night = new OperatorSchedule { Hours = "Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day", TimeZone = "Europe/Paris" };
        var lunch = new OperatorSchedule { Hours = "daily 12:00-13:00" };

        await store.SetAsync("ws01", night, farm.Time.GetUtcNow(), CancellationToken.None);
        await store.SetAsync("ws02", night, farm.Time.GetUtcNow(), CancellationToken.None);
        await store.SetAsync("ws02", lunch, farm.Time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(night, await store.FindAsync("ws01", CancellationToken.None));
        Assert.Equal(lunch, await store.FindAsync("ws02", CancellationToken.None));

        await store.SetAsync("ws01", null, farm.Time.GetUtcNow(), CancellationToken.None);

        Assert.Null(await store.FindAsync("ws01", CancellationToken.None));
        var all = await store.ListAsync(CancellationToken.None);
        Assert.Equal(["ws02"], all.Keys);
        Assert.Equal(lunch, all["ws02"]);
    }
}
