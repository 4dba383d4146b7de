using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>
/// Why a job's thumbnail of a kind could not be made, remembered for the job's end time at that moment: a viewer's page
/// that asks again is told the same reason at once instead of starting ffmpeg again. A job that ends anew (its end time
/// changes) is tried again, and so is any job after <see cref="ThumbnailOptions.FailureRetryAfter"/> (an output put
/// back). Kept in memory only, at most <see cref="Capacity"/> entries: a restart, or a full table, forgets them.
/// </summary>
public sealed class ThumbnailFailures(IOptions<ThumbnailOptions> options, TimeProvider time)
{
    /// <summary>The most failures remembered; past it the table is emptied and each job is tried once more.</summary>
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<(string JobId, ThumbnailKind Kind), (DateTimeOffset? EndTime, string Problem, DateTimeOffset At)> _failures = new();

    /// <summary>Remembers why the job's picture of this kind could not be made for the run that ended at <paramref name="endTime"/>.</summary>
    public void Remember(string jobId, ThumbnailKind kind, DateTimeOffset? endTime, string problem)
    {
        if (_failures.Count >= Capacity) _failures.Clear();
        _failures[(jobId, kind)] = (endTime, problem, time.GetUtcNow());
    }

    /// <summary>The remembered reason, if the job still ends at <paramref name="endTime"/> and it is recent enough.</summary>
    public string? Find(string jobId, ThumbnailKind kind, DateTimeOffset? endTime)
    {
        if (!_failures.TryGetValue((jobId, kind), out var failure)) return null;
        if (failure.EndTime == endTime && time.GetUtcNow() - failure.At < options.Value.FailureRetryAfter) return failure.Problem;
        _failures.TryRemove(KeyValuePair.Create((jobId, kind), failure));
        return null;
    }

    /// <summary>Forgets the job's failures of every kind (its pictures were made).</summary>
    public void Forget(string jobId)
    {
        foreach (var kind in Enum.GetValues<ThumbnailKind>()) _failures.TryRemove((jobId, kind), out _);
    }
}
