using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Execution;

namespace RenderFarm.Agent.Tests.Execution;

public sealed class ProgressThrottleTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>ffmpeg's statistics lines every half second, each up to 30 ms early or late, for ten seconds.</summary>
    private static List<(TimeSpan At, double Percent)> StatsLines()
    {
        var random = new Random(7);
        var lines = new List<(TimeSpan, double)>();
        for (var i = 1; i < 20; i++)
        {
            lines.Add((TimeSpan.FromMilliseconds(i * 500 + random.Next(-30, 31)), i * 5.0));
        }

        return lines;
    }

    private static List<(TimeSpan At, double Percent)> Sent(TimeSpan interval, IEnumerable<(TimeSpan At, double Percent)> reports)
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        var throttle = new ProgressThrottle(time, interval);
        var sent = new List<(TimeSpan, double)>();
        foreach (var (at, percent) in reports)
        {
            time.SetUtcNow(start + at);
            if (throttle.ShouldSend(percent)) sent.Add((at, percent));
        }

        return sent;
    }

    [Fact]
    public void ShouldSend_StatsEveryHalfSecond_SendsAboutOnceASecond()
    {
        var lines = StatsLines();

        var sent = Sent(Second, lines);

        var gaps = sent.Zip(sent.Skip(1), (a, b) => b.At - a.At).ToList();
        Assert.Equal(lines[0], sent[0]); // the first report goes at once
        Assert.All(gaps, gap => Assert.InRange(gap, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(1100)));
        Assert.InRange(sent.Count, 9, 10);
    }

    [Fact]
    public void ShouldSend_FinalHundredRightAfterAReport_IsSent()
    {
        var reports = StatsLines();
        var last = reports[^1].At;
        reports.Add((last + TimeSpan.FromMilliseconds(10), 100));

        var sent = Sent(Second, reports);

        Assert.Equal((last + TimeSpan.FromMilliseconds(10), 100.0), sent[^1]);
    }

    [Fact]
    public void ShouldSend_BurstOfReports_SendsOnlyTheFirstWithinTheInterval()
    {
        var burst = Enumerable.Range(0, 50).Select(i => (TimeSpan.FromMilliseconds(i * 10), i * 1.0));

        var sent = Sent(Second, burst);

        Assert.Equal([(TimeSpan.Zero, 0.0)], sent);
    }
}
