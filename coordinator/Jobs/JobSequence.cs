namespace RenderFarm.Coordinator.Jobs;

/// <summary>First come, first served: a monotonically increasing number per submitted job, seeded from the store.</summary>
public sealed class JobSequence
{
    private long _last;

    public void Seed(long last) => Interlocked.Exchange(ref _last, last);

    public long Next() => Interlocked.Increment(ref _last);
}
