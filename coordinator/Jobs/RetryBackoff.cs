namespace RenderFarm.Coordinator.Jobs;

/// <summary>Exponential backoff with jitter: base x 2^(n-1), spread by +/-20 %, capped.</summary>
public sealed class RetryBackoff(TimeSpan baseDelay, TimeSpan maxDelay, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    /// <summary>The delay before try number <paramref name="failures"/> + 1.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var exponent = Math.Min(Math.Max(failures - 1, 0), 20);
        var raw = baseDelay.TotalMilliseconds * Math.Pow(2, exponent);
        var jittered = raw * (0.8 + (0.4 * _random()));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, maxDelay.TotalMilliseconds));
    }
}
