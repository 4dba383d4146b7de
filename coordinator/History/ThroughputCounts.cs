namespace RenderFarm.Coordinator.History;

/// <summary>What ended in one bucket of a <see cref="ThroughputWindow"/>, and how many agent slots were busy on average.</summary>
public sealed record ThroughputCounts(
    int TasksSucceeded,
    int TasksFailed,
    int JobsSucceeded,
    int JobsFailed,
    long Frames,
    long MediaMillis,
    double BusySlots)
{
    public static readonly ThroughputCounts Empty = new(0, 0, 0, 0, 0, 0, 0);
}
