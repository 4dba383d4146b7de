using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// Keeps one caller from starving the others: a token bucket of requests per caller, and a cap on the
/// streams a caller holds open. A caller over either gets ResourceExhausted; everyone else is still served.
/// </summary>
public sealed class CallerLimits : IDisposable
{
    private readonly SecurityOptions _options;
    private readonly PartitionedRateLimiter<string> _requests;
    private readonly ConcurrentDictionary<string, int> _streams = new(StringComparer.Ordinal);

    public CallerLimits(IOptions<SecurityOptions> options)
    {
        _options = options.Value;
        _requests = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.RequestBurst,
            TokensPerPeriod = _options.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one request from the caller's bucket; false when it is empty.</summary>
    public bool TryRequest(string caller)
    {
        using var lease = _requests.AttemptAcquire(caller);
        return lease.IsAcquired;
    }

    public string RequestRefusal => $"too many requests: at most {_options.RequestsPerSecond} a second on average (bursts of {_options.RequestBurst}) per key or agent; slow down and retry";

    /// <summary>Counts a stream the caller opens; null when it may, or why not. Dispose the result when the stream ends.</summary>
    public IDisposable? TryOpenStream(string caller, out string? refusal)
    {
        var open = _streams.AddOrUpdate(caller, 1, (_, n) => n + 1);
        if (open > _options.MaxStreamsPerCaller)
        {
            Close(caller);
            refusal = $"too many open streams: at most {_options.MaxStreamsPerCaller} per key or agent; close some (watch, top) and retry";
            return null;
        }

        refusal = null;
        return new StreamSlot(this, caller);
    }

    private void Close(string caller) => _streams.AddOrUpdate(caller, 0, (_, n) => Math.Max(0, n - 1));

    public void Dispose() => _requests.Dispose();

    private sealed class StreamSlot(CallerLimits limits, string caller) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) limits.Close(caller);
        }
    }
}
