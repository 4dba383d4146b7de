namespace RenderFarm.Agent.Execution;

/// <summary>Lets a progress report through at most once per interval (and always the first and the last).</summary>
public sealed class ProgressThrottle(TimeProvider time, TimeSpan interval)
{
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    public bool ShouldSend(double percent)
    {
        var now = time.GetUtcNow();
        if (percent < 100 && now - _last < interval) return false;
        _last = now;
        return true;
    }
}
