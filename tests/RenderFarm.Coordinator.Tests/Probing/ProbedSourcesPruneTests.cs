using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Housekeeping;
using RenderFarm.Coordinator.Probing;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Probing;

/// <summary>
/// Probe facts leave with housekeeping on both databases, on the fake clock: facts a task used within the retention stay,
/// facts no task used for longer go (from the table and from memory), and the input's next task is probed again and its
/// new facts kept.
/// </summary>
public sealed class ProbedSourcesPruneTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private static SourceFacts Facts(long ctime) => new()
    {
        Width = 320, Height = 180, DurationSeconds = 2, VideoCodec = "h264", PixelFormat = "yuv420p", RealFrameRate = "30/1",
        AverageFrameRate = "30/1", FrameCount = 60, SizeBytes = 12345, Stamp = new SourceStamp { MtimeNs = 1_700_000_000_000_000_000, CtimeNs = ctime },
    };

    private static async Task RecordAsync(DomainHarness farm, ProbedSources sources, string key, SourceFacts facts)
    {
        // As a completion that reported them: recorded in its transaction, remembered once it committed.
        await farm.Store.InTransactionAsync(async tx =>
        {
            await ProbedSources.RecordAsync(tx, key, facts, farm.Time.GetUtcNow());
            return true;
        }, CancellationToken.None);
        sources.Remember(key, facts);
    }

    private static FarmHousekeeping Housekeeping(DomainHarness farm, ProbedSources sources)
    {
        farm.Options.Retention.ProbedSources = Retention;
        return new FarmHousekeeping(farm.Store, new AgentRegistry(), Microsoft.Extensions.Options.Options.Create(farm.Options), farm.Time,
            NullLogger<FarmHousekeeping>.Instance, sources);
    }

    private static async Task<long> RowsAsync(DomainHarness farm)
    {
        await using var connection = await ((SqlJobStore)farm.Store).OpenConnectionAsync(CancellationToken.None);
        return (await connection.QueryAsync(null, "SELECT COUNT(*) FROM rf_probed_sources", r => r.GetInt64(0), CancellationToken.None))[0];
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Housekeeping_FactsUnusedPastTheRetention_Go_UsedOnesStay_AndTheInputIsProbedAgain(string database)
    {
        await using var farm = await DomainHarness.ForAsync(database);
        var sources = new ProbedSources((SqlJobStore)farm.Store, farm.Time, Retention);
        var housekeeping = Housekeeping(farm, sources);
        var used = Facts(ctime: 1);
        var idle = Facts(ctime: 2);
        await RecordAsync(farm, sources, "media:media/used.mp4", used);
        await RecordAsync(farm, sources, "media:media/idle.mp4", idle);

        // 25 days on, a task on one input gets its facts (from memory, older than an hour: its row's use time moves on).
        farm.Time.Advance(TimeSpan.FromDays(25));
        Assert.Equal(used, await sources.FindAsync("media:media/used.mp4", CancellationToken.None));
        farm.Time.Advance(TimeSpan.FromDays(10));

        var result = await housekeeping.RunAsync(CancellationToken.None);

        Assert.Equal(1, result.ProbedSources);
        Assert.Equal(1, await RowsAsync(farm));
        Assert.Equal(used, await sources.FindAsync("media:media/used.mp4", CancellationToken.None));
        Assert.Null(await sources.FindAsync("media:media/idle.mp4", CancellationToken.None));

        // Its next task goes without facts, so its agent probes; what it reports is kept and handed out again.
        var reprobed = Facts(ctime: 3);
        await RecordAsync(farm, sources, "media:media/idle.mp4", reprobed);
        Assert.Equal(reprobed, await sources.FindAsync("media:media/idle.mp4", CancellationToken.None));
        Assert.Equal(reprobed, await new ProbedSources((SqlJobStore)farm.Store, farm.Time, Retention).FindAsync("media:media/idle.mp4", CancellationToken.None));
        Assert.Equal(2, await RowsAsync(farm));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task FindAsync_FactsAnotherCoordinatorPrunedWhileRemembered_AreNotServed_NorWrittenBack(string database)
    {
        await using var farm = await DomainHarness.ForAsync(database);
        var here = new ProbedSources((SqlJobStore)farm.Store, farm.Time, Retention);
        var other = new ProbedSources((SqlJobStore)farm.Store, farm.Time, Retention);
        await RecordAsync(farm, here, "media:media/clip.mp4", Facts(ctime: 1));
        farm.Time.Advance(TimeSpan.FromDays(31));

        // The housekeeping coordinator is another one: this one's memory still holds the facts.
        Assert.Equal(1, (await Housekeeping(farm, other).RunAsync(CancellationToken.None)).ProbedSources);

        Assert.Null(await here.FindAsync("media:media/clip.mp4", CancellationToken.None));
        Assert.Equal(0, await RowsAsync(farm));
        Assert.Null(await here.FindAsync("media:media/clip.mp4", CancellationToken.None));
    }

    [Fact]
    public void UseRefresh_IsAnHour_OrAQuarterOfAShorterRetention()
    {
        Assert.Equal(TimeSpan.FromHours(1), new ProbedSources(retention: TimeSpan.FromDays(30)).UseRefresh);
        Assert.Equal(TimeSpan.FromMinutes(15), new ProbedSources(retention: TimeSpan.FromHours(1)).UseRefresh);
        Assert.Equal(TimeSpan.FromHours(1), new ProbedSources().UseRefresh);
    }
}
