namespace RenderFarm.Agent.Execution;

/// <summary>
/// Lets a progress report through about once per interval (and always the first and the last). A report that comes a
/// little early (within a tenth of the interval) is let through rather than held back for a whole further statistics
/// period: ffmpeg writes a statistics line every half second, so with a one-second interval the reports keep to one a
/// second instead of drifting to one every second and a half when a line lands a moment before the interval is up.
/// </summary>
public sealed class ProgressThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly TimeSpan _least = interval * 0.9;
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    public bool ShouldSend(double percent)
    {
        var now = time.GetUtcNow();
        if (percent < 100 && _last != DateTimeOffset.MinValue && now - _last < _least) return false;
        _last = now;
        return true;
    }
}
