using System.Threading.RateLimiting;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// A transfer rate limit in bytes per second: a token bucket refilled every 100 ms, holding at most one chunk
/// (or a tenth of a second's worth, whichever is more), so bursts stay small. Zero or less means unlimited.
/// </summary>
public sealed class Bandwidth : IDisposable
{
    private readonly TokenBucketRateLimiter? _bucket;
    private readonly int _burst;

    public Bandwidth(long bytesPerSecond, int chunkBytes = TransferLimits.DefaultChunkBytes)
    {
        BytesPerSecond = Math.Max(0, bytesPerSecond);
        if (bytesPerSecond <= 0) return;
        var perTick = (int)Math.Clamp(bytesPerSecond / 10, 1, int.MaxValue);
        _burst = Math.Max(perTick, chunkBytes);
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = _burst,
            TokensPerPeriod = perTick,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            AutoReplenishment = true,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The limit; 0 = unlimited.</summary>
    public long BytesPerSecond { get; }

    /// <summary>Waits until <paramref name="bytes"/> may be sent.</summary>
    public async ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        if (_bucket is null) return;
        while (bytes > 0)
        {
            var take = Math.Min(bytes, _burst);
            using var lease = await _bucket.AcquireAsync(take, cancellationToken).ConfigureAwait(false);
            if (!lease.IsAcquired) throw new InvalidOperationException("the transfer rate limiter refused a request");
            bytes -= take;
        }
    }

    public void Dispose() => _bucket?.Dispose();
}
