using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.History;

/// <summary>
/// What the store sums per bucket of a <see cref="ThroughputWindow"/> (bucket = whole buckets since its start, by the time
/// a row ended or started; times are milliseconds since the window's start). <see cref="ThroughputBuckets"/> makes the series.
/// </summary>
/// <param name="AttemptEnds">Attempts that ended in the window, by bucket and outcome: how many, their frames, video
/// milliseconds, and the sum of their end times.</param>
/// <param name="AttemptStarts">The same attempts and the running ones, by the bucket they started in (-1: before the
/// window): how many, and the sum of their start times (0 for those before the window).</param>
/// <param name="Running">Attempts running now.</param>
/// <param name="JobEnds">Jobs that ended in the window, by bucket and state.</param>
public sealed record ThroughputRows(
    IReadOnlyList<(int Bucket, AttemptOutcome Outcome, int Count, long Frames, long MediaMillis, long EndSum)> AttemptEnds,
    IReadOnlyList<(int Bucket, int Count, long StartSum)> AttemptStarts,
    int Running,
    IReadOnlyList<(int Bucket, JobState State, int Count)> JobEnds);
