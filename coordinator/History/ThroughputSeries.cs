using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.History;

/// <summary>
/// The farm's throughput over a recent window, bucket by bucket (FarmService.GetThroughput): counted from the attempts and
/// jobs the database records, so it is the same on every coordinator of a cluster and survives restarts. One read of the
/// window's rows per call (indexes by end time), grouped in the database; the clock is the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class ThroughputSeries(IJobStore store, TimeProvider time)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(60);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(24);
    public static readonly TimeSpan DefaultBucket = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MinBucket = TimeSpan.FromSeconds(10);
    public const int MaxBuckets = 1440;

    /// <summary>The series for the last <paramref name="window"/> in buckets of <paramref name="bucket"/> (zero: the defaults).</summary>
    public async Task<GetThroughputResponse> GetAsync(TimeSpan window, TimeSpan bucket, CancellationToken cancellationToken)
    {
        var span = Window(window, bucket);
        var counts = ThroughputBuckets.Build(span, await store.GetThroughputAsync(span, cancellationToken));
        var response = new GetThroughputResponse
        {
            StartTime = Timestamp.FromDateTimeOffset(span.Start),
            EndTime = Timestamp.FromDateTimeOffset(span.Now),
            Bucket = Duration.FromTimeSpan(span.Bucket),
            Total = Message(span.Start, Sum(counts, span)),
        };
        for (var i = 0; i < counts.Count; i++) response.Buckets.Add(Message(span.BucketStart(i), counts[i]));
        return response;
    }

    /// <summary>The buckets for a request, or a <see cref="JobValidationException"/> saying what to change.</summary>
    public ThroughputWindow Window(TimeSpan window, TimeSpan bucket)
    {
        window = window == TimeSpan.Zero ? DefaultWindow : window;
        bucket = bucket == TimeSpan.Zero ? DefaultBucket : bucket;
        var problems = new List<string>();
        if (window < TimeSpan.Zero || window > MaxWindow) problems.Add($"window: {window} is not between 0 and {MaxWindow.TotalHours:0} hours (0 means the last hour)");
        if (bucket < MinBucket || bucket.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add($"bucket: {bucket} must be whole seconds, at least {MinBucket.TotalSeconds:0} s (0 means one minute)");
        }

        if (problems.Count == 0 && Math.Ceiling(window / bucket) > MaxBuckets)
        {
            problems.Add($"bucket: {window} in buckets of {bucket} makes more than {MaxBuckets} buckets; choose a wider bucket or a shorter window");
        }

        if (problems.Count > 0) throw new JobValidationException(problems);
        return ThroughputWindow.Ending(time.GetUtcNow(), bucket, Math.Max(1, (int)Math.Ceiling(window / bucket)));
    }

    private static ThroughputCounts Sum(IReadOnlyList<ThroughputCounts> counts, ThroughputWindow span)
    {
        var elapsed = Math.Min((span.Now - span.Start).TotalMilliseconds, (span.End - span.Start).TotalMilliseconds);
        var width = span.Bucket.TotalMilliseconds;
        var slotMillis = counts.Select((c, i) => c.BusySlots * Math.Clamp(elapsed - i * width, 0, width)).Sum();
        return new ThroughputCounts(
            counts.Sum(c => c.TasksSucceeded), counts.Sum(c => c.TasksFailed), counts.Sum(c => c.JobsSucceeded), counts.Sum(c => c.JobsFailed),
            counts.Sum(c => c.Frames), counts.Sum(c => c.MediaMillis), elapsed > 0 ? slotMillis / elapsed : 0);
    }

    private static ThroughputBucket Message(DateTimeOffset start, ThroughputCounts c) => new()
    {
        StartTime = Timestamp.FromDateTimeOffset(start),
        TasksSucceeded = (uint)c.TasksSucceeded,
        TasksFailed = (uint)c.TasksFailed,
        JobsSucceeded = (uint)c.JobsSucceeded,
        JobsFailed = (uint)c.JobsFailed,
        Frames = (ulong)c.Frames,
        MediaSeconds = c.MediaMillis / 1000.0,
        BusySlots = Math.Round(c.BusySlots, 6), // a 2 s render in an hour's total is 0.00056 busy slots
    };
}
