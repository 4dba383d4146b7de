using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Link;

namespace RenderFarm.Agent.Tests.Link;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));

    private ReconnectBackoff Backoff(int seed = 7) => new(First, Max, ResetAfter, _time, new Random(seed));

    [Fact]
    public void Next_FailuresInARow_GrowToTheCapAndStayJitteredWithinHalfTheCeiling()
    {
        var backoff = Backoff();

        var waits = Enumerable.Range(0, 12).Select(_ => backoff.Next(welcomedAt: null)).ToList();

        for (var i = 0; i < waits.Count; i++)
        {
            var ceiling = backoff.Ceiling(i);
            Assert.InRange(waits[i], ceiling / 2, ceiling);
        }

        Assert.Equal(Max, backoff.Ceiling(11));
        Assert.True(waits[^1] >= Max / 2, $"after 12 failures the wait is {waits[^1]}");
        Assert.True(waits.Distinct().Count() == waits.Count, "every wait is drawn at random");
    }

    [Fact]
    public void Next_AfterASessionLongerThanTheThreshold_StartsAgainFromTheFirstDelay()
    {
        var backoff = Backoff();
        for (var i = 0; i < 9; i++) backoff.Next(welcomedAt: null);
        var welcomed = _time.GetUtcNow();

        _time.Advance(ResetAfter + TimeSpan.FromSeconds(1));
        var afterHealthy = backoff.Next(welcomed);

        Assert.InRange(afterHealthy, First / 2, First);
    }

    [Fact]
    public void Next_TenHealthySessionsEachCut_EveryWaitStaysUnderTheFirstDelay()
    {
        var backoff = Backoff();

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            var welcomed = _time.GetUtcNow();
            _time.Advance(ResetAfter);
            waits.Add(backoff.Next(welcomed));
        }

        Assert.All(waits, w => Assert.InRange(w, First / 2, First));
    }

    [Fact]
    public void Next_SessionsShorterThanTheThreshold_KeepGrowing()
    {
        var backoff = Backoff();

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            var welcomed = _time.GetUtcNow();
            _time.Advance(ResetAfter - TimeSpan.FromSeconds(1));
            waits.Add(backoff.Next(welcomed));
        }

        Assert.True(waits[^1] >= backoff.Ceiling(5) / 2, $"the sixth short session waits {waits[^1]}");
        Assert.True(waits[^1] > First * 10, $"short sessions must not reset the backoff: {string.Join(", ", waits)}");
    }
}
