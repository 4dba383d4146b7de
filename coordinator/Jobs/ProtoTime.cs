using Google.Protobuf.WellKnownTypes;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// Checks a request's <see cref="Duration"/> and <see cref="Timestamp"/> before it is converted: Google.Protobuf's
/// <c>ToTimeSpan</c> and <c>ToDateTimeOffset</c> throw on values that are not normalised, and a caller must hear which
/// field is wrong and why (InvalidArgument), not an internal error.
/// </summary>
public static class ProtoTime
{
    /// <summary>The largest Duration the protobuf spec allows, in seconds (about 10,000 years).</summary>
    public const long MaxDurationSeconds = 315_576_000_000;

    /// <summary>0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds, the range of a Timestamp.</summary>
    public const long MinTimestampSeconds = -62_135_596_800;
    public const long MaxTimestampSeconds = 253_402_300_799;

    private const int NanosPerSecond = 1_000_000_000;

    /// <summary>Why <paramref name="value"/> is not a valid Duration (a sentence naming <paramref name="field"/>), or null.</summary>
    public static string? DurationProblem(string field, Duration value)
    {
        var shown = $"{field}: {{seconds: {value.Seconds}, nanos: {value.Nanos}}} is not a valid Duration";
        if (value.Nanos is <= -NanosPerSecond or >= NanosPerSecond)
        {
            return $"{shown}: nanos must lie within ±999999999; carry whole seconds into seconds";
        }

        if (value.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds)
        {
            return $"{shown}: seconds must lie within ±{MaxDurationSeconds}";
        }

        if ((value.Seconds < 0 && value.Nanos > 0) || (value.Seconds > 0 && value.Nanos < 0))
        {
            return $"{shown}: seconds and nanos must have the same sign (write 0.999999999 s as {{seconds: 0, nanos: 999999999}})";
        }

        return null;
    }

    /// <summary>Why <paramref name="value"/> is not a valid Timestamp (a sentence naming <paramref name="field"/>), or null.</summary>
    public static string? TimestampProblem(string field, Timestamp value)
    {
        var shown = $"{field}: {{seconds: {value.Seconds}, nanos: {value.Nanos}}} is not a valid Timestamp";
        if (value.Nanos is < 0 or >= NanosPerSecond) return $"{shown}: nanos must lie within 0..999999999";
        if (value.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds) return $"{shown}: it must lie between years 0001 and 9999 (Unix seconds {MinTimestampSeconds}..{MaxTimestampSeconds})";
        return null;
    }
}
