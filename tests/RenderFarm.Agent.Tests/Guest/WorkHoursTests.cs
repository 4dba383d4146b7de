using RenderFarm.Agent.Guest;
using RenderFarm.Protos.Schedules;

namespace RenderFarm.Agent.Tests.Guest;

public sealed class WorkHoursTests
{
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;

    // 2026-12-02 is a Wednesday.
    private static DateTimeOffset Day(int day, int hour, int minute = 0) => new(2026, 12, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(2, 12, 0, false)] // Wednesday noon
    [InlineData(2, 19, 0, true)] // Wednesday evening
    [InlineData(3, 7, 59, true)] // Thursday morning, still Wednesday's night
    [InlineData(3, 8, 0, false)]
    [InlineData(5, 12, 0, true)] // Saturday
    [InlineData(7, 7, 0, false)] // Monday morning: Sunday's "all day" ended at midnight
    public void At_NightsAndWeekends_InsideExactlyThen(int day, int hour, int minute, bool inside)
    {
        Assert.True(WorkHours.TryParse("Mon-Fri 19:00-08:00, Sat-Sun all day", out var hours, out var problem), problem);

        Assert.Equal(inside, hours.At(Day(day, hour, minute), Utc).Inside);
    }

    [Fact]
    public void At_Outside_NextStartIsThatEveningOrAfterTheWeekend()
    {
        WorkHours.TryParse("Mon-Fri 19:00-08:00", out var hours, out _);

        Assert.Equal(Day(2, 19), hours.At(Day(2, 12), Utc).NextStart);
        Assert.Equal(Day(7, 19), hours.At(Day(5, 12), Utc).NextStart); // Saturday: next Monday 19:00
    }

    [Fact]
    public void At_SlotsPerPeriod_OneByDayTwoByNight()
    {
        WorkHours.TryParse("Mon-Fri 08:00-19:00 slots=1; Mon-Fri 19:00-08:00 slots=2", out var hours, out _);

        Assert.Equal(1, hours.At(Day(1, 10), Utc).Slots);
        Assert.Equal(2, hours.At(Day(1, 22), Utc).Slots);
    }

    [Fact]
    public void At_TimeZone_ReadsHoursInTheAgentsZone()
    {
        WorkHours.TryParse("Mon-Fri 19:00-08:00", out var hours, out _);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

        // 11:00 UTC is 20:00 in Tokyo.
        Assert.True(hours.At(Day(2, 11), tokyo).Inside);
        Assert.False(hours.At(Day(2, 11), Utc).Inside);
    }

    [Theory]
    [InlineData("Mon-Fri 25:00-08:00")]
    [InlineData("Someday 19:00-08:00")]
    [InlineData("Mon-Fri evenings")]
    public void TryParse_Wrong_SaysWhichEntry(string text)
    {
        Assert.False(WorkHours.TryParse("Sat all day, " + text, out _, out var problem));
        Assert.Contains(text, problem, StringComparison.Ordinal);
    }
}
