using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace RenderFarm.Coordinator.Security;

/// <summary>
/// Keeps one caller from starving the others: a token bucket of requests per caller, and a cap on the
/// streams a caller holds open. A caller over either gets ResourceExhausted; everyone else is still served.
/// Callers without a valid credential are counted by their address (<see cref="PeerPartition"/>): calls that need
/// none (enrollment), and every call whose credential is wrong.
/// </summary>
public sealed class CallerLimits
{
    private readonly SecurityOptions _options;
    private readonly TokenBuckets _requests;
    private readonly ConcurrentDictionary<string, int> _streams = new(StringComparer.Ordinal);

    public CallerLimits(IOptions<SecurityOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _requests = new TokenBuckets(_options.RequestBurst, _options.RequestsPerSecond, time);
    }

    /// <summary>The partition of calls from <paramref name="peer"/> (gRPC's <c>ipv4:1.2.3.4:5678</c>; the port is dropped).</summary>
    public static string PeerPartition(string peer)
    {
        var colon = peer.LastIndexOf(':');
        return "peer:" + (colon > 0 ? peer[..colon] : peer);
    }

    /// <summary>Takes one request from the caller's bucket; false when it is empty.</summary>
    public bool TryRequest(string caller) => _requests.TryTake(caller);

    /// <summary>Whether the caller's bucket holds a request now, without taking it.</summary>
    public bool CanRequest(string caller) => _requests.HasToken(caller);

    /// <summary>Buckets held now (for tests: addresses and callers that have not refilled).</summary>
    public int Partitions => _requests.Count;

    public string CredentialRefusal =>
        $"too many calls with a wrong or revoked credential from this address: at most {_options.RequestsPerSecond} a second on average (bursts of {_options.RequestBurst}); check the key (farmctl keys list), wait and retry";

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

    private sealed class StreamSlot(CallerLimits limits, string caller) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) limits.Close(caller);
        }
    }
}
