using System.Collections.Concurrent;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// One token bucket per key (a caller, a peer address) on an injected clock, so limits are testable with a fake one:
/// each holds up to <c>capacity</c> tokens and regains <c>perSecond</c> a second. Buckets that have refilled are
/// forgotten every few seconds, so keys that come and go (addresses, revoked keys) do not pile up.
/// </summary>
public sealed class TokenBuckets(int capacity, double perSecond, TimeProvider time)
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _lastSweep = time.GetTimestamp();

    /// <summary>Takes one token from <paramref name="key"/>'s bucket; false when it is empty.</summary>
    public bool TryTake(string key)
    {
        var now = time.GetTimestamp();
        SweepIfDue(now);
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(capacity, now));
        lock (bucket)
        {
            bucket.Refill(now, capacity, perSecond, time.TimestampFrequency);
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>Whether <paramref name="key"/>'s bucket holds a token now (none is taken).</summary>
    public bool HasToken(string key)
    {
        if (!_buckets.TryGetValue(key, out var bucket)) return true;
        lock (bucket)
        {
            bucket.Refill(time.GetTimestamp(), capacity, perSecond, time.TimestampFrequency);
            return bucket.Tokens >= 1;
        }
    }

    /// <summary>Buckets held now (refilled ones are dropped at the next sweep).</summary>
    public int Count => _buckets.Count;

    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (time.GetElapsedTime(last, now) < SweepInterval || Interlocked.CompareExchange(ref _lastSweep, now, last) != last) return;
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                bucket.Refill(now, capacity, perSecond, time.TimestampFrequency);
                if (bucket.Tokens >= capacity) _buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
            }
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        private long _stamp = stamp;

        public void Refill(long now, int capacity, double perSecond, long frequency)
        {
            if (now <= _stamp) return;
            Tokens = Math.Min(capacity, Tokens + ((now - _stamp) * perSecond / frequency));
            _stamp = now;
        }
    }
}
