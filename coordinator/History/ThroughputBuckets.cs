using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.History;

/// <summary>
/// Turns the sums the store reads (<see cref="ThroughputRows"/>) into one <see cref="ThroughputCounts"/> per bucket.
/// <para>
/// Busy slots come out exact without reading attempts one by one: an attempt busy over [s, e) covers
/// clamp(e) - clamp(s) of a bucket [a, c) (c: the bucket's end, or now for the bucket still filling), with
/// clamp(x) = min(max(x, a), c). Summed over attempts, clamp(e) is a for those that ended before the bucket, their end
/// for those that ended in it, and c for those that ended after it or still run; the same for the starts. So per-bucket
/// counts and sums of end and start times are all it takes.
/// </para>
/// </summary>
public static class ThroughputBuckets
{
    public static IReadOnlyList<ThroughputCounts> Build(ThroughputWindow window, ThroughputRows rows)
    {
        var n = window.Count;
        var width = (long)window.Bucket.TotalMilliseconds;
        var now = Math.Min(window.Now.ToUnixTimeMilliseconds() - window.Start.ToUnixTimeMilliseconds(), width * n);
        var succeeded = new int[n];
        var failed = new int[n];
        var jobsSucceeded = new int[n];
        var jobsFailed = new int[n];
        var frames = new long[n];
        var media = new long[n];
        var endCount = new long[n];
        var endSum = new long[n];
        var startCount = new long[n];
        var startSum = new long[n];
        long startedBefore = 0;

        foreach (var row in rows.AttemptEnds)
        {
            var k = Math.Clamp(row.Bucket, 0, n - 1);
            if (row.Outcome == AttemptOutcome.Succeeded) (succeeded[k], frames[k], media[k]) = (succeeded[k] + row.Count, frames[k] + row.Frames, media[k] + row.MediaMillis);
            else if (row.Outcome == AttemptOutcome.Failed) failed[k] += row.Count;
            endCount[k] += row.Count;
            endSum[k] += row.EndSum;
        }

        foreach (var row in rows.AttemptStarts)
        {
            if (row.Bucket < 0)
            {
                startedBefore += row.Count;
                continue;
            }

            var k = Math.Min(row.Bucket, n - 1);
            startCount[k] += row.Count;
            startSum[k] += row.StartSum;
        }

        foreach (var row in rows.JobEnds)
        {
            var k = Math.Clamp(row.Bucket, 0, n - 1);
            if (row.State == JobState.Succeeded) jobsSucceeded[k] += row.Count;
            else if (row.State == JobState.Failed) jobsFailed[k] += row.Count;
        }

        var series = new ThroughputCounts[n];
        long endedBefore = 0, endsAfter = endCount.Sum(), startsBefore = startedBefore, startsAfter = startCount.Sum();
        for (var k = 0; k < n; k++)
        {
            endsAfter -= endCount[k];
            startsAfter -= startCount[k];
            var a = k * width;
            var c = Math.Min((k + 1) * width, now);
            double busy = 0;
            if (c > a)
            {
                var ends = endedBefore * a + Math.Min(endSum[k], endCount[k] * c) + (endsAfter + rows.Running) * c;
                var starts = startsBefore * a + Math.Min(startSum[k], startCount[k] * c) + startsAfter * c;
                busy = Math.Max(0, ends - starts) / (double)(c - a);
            }

            series[k] = new ThroughputCounts(succeeded[k], failed[k], jobsSucceeded[k], jobsFailed[k], frames[k], media[k], busy);
            endedBefore += endCount[k];
            startsBefore += startCount[k];
        }

        return series;
    }
}
