namespace RenderFarm.Agent.Link;

/// <summary>
/// How long the agent waits before dialling the coordinator again. Each failed try, or each session that ended sooner
/// than <c>resetAfter</c> after its welcome, doubles the ceiling from <c>first</c> up to <c>max</c>; a session that
/// lasted longer starts again from <c>first</c>, so a brief cut after a long healthy run costs a fraction of a second,
/// never the cap that earlier cuts built up. Every wait is jittered: a random point between half the ceiling and the
/// ceiling, so agents cut at the same moment do not all dial at the same moment.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan first, TimeSpan max, TimeSpan resetAfter, TimeProvider time, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    /// <summary>The wait before the next try; <paramref name="welcomedAt"/> is when the session that just ended was welcomed (null: it never was).</summary>
    public TimeSpan Next(DateTimeOffset? welcomedAt)
    {
        if (welcomedAt is { } since && time.GetUtcNow() - since >= resetAfter) _failures = 0;
        var ceiling = Ceiling(_failures);
        if (_failures < 30) _failures++;
        return ceiling / 2 + ceiling / 2 * _random.NextDouble();
    }

    /// <summary>The longest wait after <paramref name="failures"/> failures in a row: <c>first</c> doubled that many times, at most <c>max</c>.</summary>
    public TimeSpan Ceiling(int failures) => TimeSpan.FromTicks((long)Math.Min(max.Ticks, first.Ticks * Math.Pow(2, Math.Min(failures, 30))));
}
