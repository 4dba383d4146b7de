namespace RenderFarm.Cli.Tests.Support;

/// <summary>"Now" stands still at <paramref name="now"/> and is shown in <paramref name="zone"/>; delays still take real time.</summary>
public sealed class FixedClock(DateTimeOffset now, TimeZoneInfo? zone = null) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => zone ?? TimeZoneInfo.Utc;
}
