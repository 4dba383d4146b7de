namespace RenderFarm.Cli.Tests.Support;

/// <summary>System time shown in UTC, so rendered timestamps do not depend on the machine's zone.</summary>
public sealed class UtcTimeProvider : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
