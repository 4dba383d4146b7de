using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.History;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.History;

/// <summary>
/// GetThroughput's series, counted by the store from the attempts and jobs it records (SQLite and PostgreSQL), on a fake
/// clock: where work at a bucket's edge lands, the window's bounds, failures apart from successes, busy slots, an empty farm.
/// </summary>
public sealed class ThroughputSeriesTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_AttemptsAtABucketEdge_CountInTheBucketTheyEndIn(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var t0 = farm.Time.GetUtcNow(); // 09:00:00, a whole minute
        var a = await farm.AssignAsync((await farm.SubmitAsync("a")).Id);
        farm.Time.SetUtcNow(t0.AddMilliseconds(59_999));
        await CompleteAsync(farm, a, frames: 30, seconds: 1.0);
        var b = await farm.AssignAsync((await farm.SubmitAsync("b")).Id);
        farm.Time.SetUtcNow(t0.AddMinutes(1));
        await CompleteAsync(farm, b, frames: 60, seconds: 2.5);
        farm.Time.SetUtcNow(t0.AddSeconds(150));

        var series = await new ThroughputSeries(farm.Store, farm.Time).GetAsync(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1), None);

        Assert.Equal(t0, series.StartTime.ToDateTimeOffset());
        Assert.Equal([t0, t0.AddMinutes(1), t0.AddMinutes(2)], series.Buckets.Select(x => x.StartTime.ToDateTimeOffset()));
        Assert.Equal([(1u, 1u, 30ul, 1.0), (1u, 1u, 60ul, 2.5), (0u, 0u, 0ul, 0.0)],
            series.Buckets.Select(x => (x.TasksSucceeded, x.JobsSucceeded, x.Frames, x.MediaSeconds)));
        // a held a slot for the whole first minute but a millisecond, b for that millisecond; nothing ran after.
        Assert.Equal([1.0, 0.0, 0.0], series.Buckets.Select(x => x.BusySlots));
        Assert.Equal((2u, 2u, 90ul, 3.5), (series.Total.TasksSucceeded, series.Total.JobsSucceeded, series.Total.Frames, series.Total.MediaSeconds));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_OneShortRenderInAnHour_TotalStillShowsItsBusySlot(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var t0 = farm.Time.GetUtcNow();
        var short1 = await farm.AssignAsync((await farm.SubmitAsync("short")).Id);
        farm.Time.SetUtcNow(t0.AddMilliseconds(1_500));
        await CompleteAsync(farm, short1, frames: 45, seconds: 1.5);
        farm.Time.SetUtcNow(t0.AddMinutes(59));

        var series = await new ThroughputSeries(farm.Store, farm.Time).GetAsync(TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(1), None);

        // 1.5 s of one slot over the hour so far: 0.00042 slots on average, not rounded away.
        Assert.InRange(series.Total.BusySlots, 0.0004, 0.0005);
        Assert.Equal(0.025, series.Buckets.Single(b => b.TasksSucceeded == 1).BusySlots);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_WindowBounds_WorkEndedAtTheStartCountsAndEarlierWorkDoesNot(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var t0 = farm.Time.GetUtcNow();
        farm.Time.SetUtcNow(t0.AddMinutes(3));
        var old = await farm.AssignAsync((await farm.SubmitAsync("old")).Id);
        farm.Time.SetUtcNow(t0.AddSeconds(210));
        var spanning = await farm.AssignAsync((await farm.SubmitAsync("spanning")).Id);
        farm.Time.SetUtcNow(t0.AddMilliseconds(239_999));
        await CompleteAsync(farm, old, frames: 10, seconds: 1);
        var edge = await farm.AssignAsync((await farm.SubmitAsync("edge")).Id);
        farm.Time.SetUtcNow(t0.AddMinutes(4));
        await CompleteAsync(farm, edge, frames: 20, seconds: 1);
        farm.Time.SetUtcNow(t0.AddSeconds(270));
        await CompleteAsync(farm, spanning, frames: 40, seconds: 1);
        farm.Time.SetUtcNow(t0.AddSeconds(330));

        var series = await new ThroughputSeries(farm.Store, farm.Time).GetAsync(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), None);

        Assert.Equal(t0.AddMinutes(4), series.StartTime.ToDateTimeOffset());
        Assert.Equal(2, series.Buckets.Count);
        Assert.Equal((2u, 2u, 60ul), (series.Buckets[0].TasksSucceeded, series.Buckets[0].JobsSucceeded, series.Buckets[0].Frames));
        // "spanning" started before the window: only its 30 s inside it count; "old" ended a millisecond before it.
        Assert.Equal(0.5, series.Buckets[0].BusySlots);
        Assert.Equal((0u, 0.0), (series.Buckets[1].TasksSucceeded, series.Buckets[1].BusySlots));
        Assert.Equal(60ul, series.Total.Frames);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_FailuresAndARunningAttempt_FailedCountedApartAndTheRunningSlotBusyUntilNow(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var t0 = farm.Time.GetUtcNow();
        var ok = await farm.AssignAsync((await farm.SubmitAsync("ok")).Id);
        farm.Time.SetUtcNow(t0.AddSeconds(10));
        await CompleteAsync(farm, ok, frames: 48, seconds: 2);
        var bad = await farm.AssignAsync((await farm.SubmitAsync("bad")).Id);
        farm.Time.SetUtcNow(t0.AddSeconds(20));
        await farm.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = bad.Id, FailureClass = FailureClass.BadInput, Message = "not a video" }, None);
        var flaky = await farm.AssignAsync((await farm.SubmitAsync("flaky")).Id);
        farm.Time.SetUtcNow(t0.AddSeconds(30));
        await farm.Attempts.FailAsync("agent-a", new TaskFailed { AttemptId = flaky.Id, FailureClass = FailureClass.Transient, Message = "ffmpeg crashed", ExitCode = 139 }, None);
        await farm.AssignAsync((await farm.SubmitAsync("running")).Id);
        farm.Time.SetUtcNow(t0.AddSeconds(45));

        var series = await new ThroughputSeries(farm.Store, farm.Time).GetAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), None);

        var only = Assert.Single(series.Buckets);
        Assert.Equal((1u, 2u), (only.TasksSucceeded, only.TasksFailed));
        Assert.Equal((1u, 1u), (only.JobsSucceeded, only.JobsFailed)); // the transient failure waits to retry: its job has not ended
        Assert.Equal((48ul, 2.0), (only.Frames, only.MediaSeconds));
        // One slot was busy all 45 s so far: three attempts of 10 s one after another, then the one still running.
        Assert.Equal(1.0, only.BusySlots);
        Assert.Equal(farm.Time.GetUtcNow(), series.EndTime.ToDateTimeOffset());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_EmptyFarmDefaults_SixtyZeroBucketsOfAMinuteEndingWithTheCurrentOne(string provider)
    {
        await using var farm = await DomainHarness.ForAsync(provider);
        var t0 = farm.Time.GetUtcNow();
        farm.Time.SetUtcNow(t0.AddSeconds(17.5));

        var series = await new ThroughputSeries(farm.Store, farm.Time).GetAsync(TimeSpan.Zero, TimeSpan.Zero, None);

        Assert.Equal(60, series.Buckets.Count);
        Assert.Equal(TimeSpan.FromMinutes(1), series.Bucket.ToTimeSpan());
        Assert.Equal(t0.AddMinutes(-59), series.StartTime.ToDateTimeOffset());
        Assert.Equal(t0, series.Buckets[^1].StartTime.ToDateTimeOffset());
        Assert.All(series.Buckets, b => Assert.Equal(new ThroughputBucket { StartTime = b.StartTime }, b));
        Assert.Equal(new ThroughputBucket { StartTime = series.StartTime }, series.Total);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetAsync_AnotherStoreOverTheSameDatabase_CountsTheSameSeries(string provider)
    {
        var postgres = provider == "postgres" ? await RenderFarm.Testing.TestPostgres.CreateDatabaseAsync() : null;
        await using var farm = postgres is null ? new DomainHarness() : new DomainHarness(await DomainHarness.NewPostgresStoreAsync(postgres));
        var attempt = await farm.AssignAsync((await farm.SubmitAsync("kept")).Id);
        farm.Time.SetUtcNow(farm.Time.GetUtcNow().AddSeconds(20));
        await CompleteAsync(farm, attempt, frames: 120, seconds: 4);
        var before = await new ThroughputSeries(farm.Store, farm.Time).GetAsync(TimeSpan.Zero, TimeSpan.Zero, None);

        // A restarted coordinator, or a second one on the same PostgreSQL: a new store, nothing in memory.
        IJobStore other = postgres is null
            ? new SqliteJobStore(SqliteJobStore.ConnectionStringFor(Path.Combine(farm.Root, "farm.db")))
            : await DomainHarness.NewPostgresStoreAsync(postgres);
        await other.InitializeAsync(None);
        var after = await new ThroughputSeries(other, farm.Time).GetAsync(TimeSpan.Zero, TimeSpan.Zero, None);
        if (other is IAsyncDisposable disposable) await disposable.DisposeAsync();

        Assert.Equal(before, after);
        Assert.Equal((1u, 120ul, 4.0), (after.Total.JobsSucceeded, after.Total.Frames, after.Total.MediaSeconds));
    }

    [Theory]
    [InlineData(25 * 60, 60, "window")]
    [InlineData(-60, 60, "window")]
    [InlineData(60, 5, "bucket")]
    [InlineData(60, 10.5, "bucket")]
    [InlineData(24 * 60, 10, "more than 1440 buckets")]
    public void Window_OutOfBounds_RefusedNamingWhatToChange(double windowMinutes, double bucketSeconds, string expected)
    {
        var series = new ThroughputSeries(null!, TimeProvider.System);

        var error = Assert.Throws<JobValidationException>(() => series.Window(TimeSpan.FromMinutes(windowMinutes), TimeSpan.FromSeconds(bucketSeconds)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Window_TwentyFourHoursInMinutes_1440BucketsEndingWithTheCurrentOne()
    {
        var now = new DateTimeOffset(2026, 11, 24, 9, 30, 40, TimeSpan.Zero);
        var series = new ThroughputSeries(null!, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now));

        var window = series.Window(TimeSpan.FromHours(24), TimeSpan.FromMinutes(1));

        Assert.Equal((1440, new DateTimeOffset(2026, 11, 23, 9, 31, 0, TimeSpan.Zero)), (window.Count, window.Start));
        Assert.Equal(now.AddSeconds(20), window.End);
    }

    private static async Task CompleteAsync(DomainHarness farm, AttemptRecord attempt, long frames, double seconds) =>
        Assert.Equal(Fence.Accepted, await farm.Attempts.CompleteAsync(attempt.AgentId,
            new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { Path = "out.mp4", FrameCount = (ulong)frames, DurationSeconds = seconds } }, None));
}
