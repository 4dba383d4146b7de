namespace RenderFarm.Coordinator.History;

/// <summary>
/// The buckets a throughput series counts in: <see cref="Count"/> buckets of <see cref="Bucket"/> from <see cref="Start"/>,
/// the last one holding <see cref="Now"/> (still filling). Buckets are aligned to whole multiples of their width since the
/// Unix epoch, so two calls a few seconds apart put the same work in the same bucket.
/// </summary>
public sealed record ThroughputWindow(DateTimeOffset Start, TimeSpan Bucket, int Count, DateTimeOffset Now)
{
    /// <summary>Where the last bucket ends (after <see cref="Now"/>).</summary>
    public DateTimeOffset End => Start + Bucket * Count;

    /// <summary>Where bucket <paramref name="index"/> starts.</summary>
    public DateTimeOffset BucketStart(int index) => Start + Bucket * index;

    /// <summary>The <paramref name="count"/> buckets of width <paramref name="bucket"/> that end with the one holding <paramref name="now"/>.</summary>
    public static ThroughputWindow Ending(DateTimeOffset now, TimeSpan bucket, int count)
    {
        var width = (long)bucket.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var current = nowMs - (((nowMs % width) + width) % width);
        return new ThroughputWindow(DateTimeOffset.FromUnixTimeMilliseconds(current - width * (count - 1)), bucket, count, now);
    }
}
