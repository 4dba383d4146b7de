namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// First come, first served: an increasing number per submitted job. Alone, a counter seeded from the store.
/// With several coordinators (<see cref="UseClock"/>), the number is the submission time in microseconds
/// times 64 plus this coordinator's slot, so numbers from different coordinators never collide and still
/// follow the order jobs came in.
/// </summary>
public sealed class JobSequence
{
    private const long Slots = 64;
    private long _last;
    private TimeProvider? _time;
    private long _slot;

    public void Seed(long last) => Interlocked.Exchange(ref _last, last);

    /// <summary>Shares the number space with other coordinators: numbers end in <paramref name="slot"/> (0-63).</summary>
    public void UseClock(TimeProvider time, int slot)
    {
        _slot = slot % Slots;
        _time = time;
    }

    public long Next()
    {
        if (_time is not { } time) return Interlocked.Increment(ref _last);
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var micros = (time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
            var floor = Math.Max(last + 1, micros * Slots);
            var next = floor + (((_slot - (floor % Slots)) % Slots) + Slots) % Slots;
            if (Interlocked.CompareExchange(ref _last, next, last) == last) return next;
        }
    }
}
