using Google.Protobuf.WellKnownTypes;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands.Submit;

/// <summary>`submit` options for when a job runs: --start-at, --cron, --time-zone, --depends-on, time limits.</summary>
public sealed class SubmitScheduleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 11, 24, 14, 1, 30, TimeSpan.Zero);

    private readonly FarmctlHarness _farmctl = new() { Time = new FixedClock(Now) };

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private Task<FarmctlResult> Transcode(params string[] options) =>
        _farmctl.RunAsync(["submit", "transcode", "a.mov", "b.mp4", "--preset", "h264", .. options]);

    [Fact]
    public async Task Transcode_ScheduleOptions_SendsEveryField()
    {
        var result = await Transcode(
            "--start-at", "2025-11-24T22:00:00Z", "--cron", "0 30 2 * * ?", "--time-zone", "Europe/Paris",
            "--depends-on", "job-a", "--depends-on", "job-b", "--max-run-time", "2h", "--stall-timeout", "1h30m");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal(Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 11, 24, 22, 0, 0, TimeSpan.Zero)), spec.StartTime);
        Assert.Equal("0 30 2 * * ?", spec.Cron);
        Assert.Equal("Europe/Paris", spec.TimeZone);
        Assert.Equal(["job-a", "job-b"], spec.DependsOn);
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromHours(2)), spec.MaxRunTime);
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromMinutes(90)), spec.StallTimeout);
    }

    [Fact]
    public async Task Transcode_NoScheduleOptions_LeavesScheduleToTheCoordinator()
    {
        await Transcode();

        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Null(spec.StartTime);
        Assert.Equal("", spec.Cron);
        Assert.Equal("", spec.TimeZone);
        Assert.Empty(spec.DependsOn);
        Assert.Null(spec.MaxRunTime);
        Assert.Null(spec.StallTimeout);
    }

    [Theory]
    [InlineData("+10m", 0, 11, 30)]
    [InlineData("+2h", 2, 1, 30)]
    [InlineData("+1h30m", 1, 31, 30)]
    public async Task Transcode_RelativeStartAt_CountsFromNow(string startAt, int hours, int minutes, int seconds)
    {
        await Transcode("--start-at", startAt);

        var expected = new DateTimeOffset(2025, 11, 24, 14, 0, 0, TimeSpan.Zero).AddHours(hours).AddMinutes(minutes).AddSeconds(seconds);
        Assert.Equal(Timestamp.FromDateTimeOffset(expected), Assert.Single(_farmctl.Farm.Submitted).Spec.StartTime);
    }

    [Theory]
    [InlineData("2025-11-24T22:00:00+01:00", 21)]
    [InlineData("2025-11-24 22:00", 21)]
    [InlineData("2025-11-24T22:00", 21)]
    public async Task Transcode_StartAtWithoutOffset_ReadInTheViewersZone(string startAt, int utcHour)
    {
        _farmctl.Time = new FixedClock(Now, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

        await Transcode("--start-at", startAt);

        Assert.Equal(
            Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 11, 24, utcHour, 0, 0, TimeSpan.Zero)),
            Assert.Single(_farmctl.Farm.Submitted).Spec.StartTime);
    }

    [Fact]
    public async Task Grade_ScheduleOptions_SentToo()
    {
        await _farmctl.RunAsync(
            "submit", "grade", "a.mov", "b.mov", "--preset", "prores-hq", "--exposure", "1", "--depends-on", "job-t", "--max-run-time", "90s");

        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal(["job-t"], spec.DependsOn);
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromSeconds(90)), spec.MaxRunTime);
    }

    [Theory]
    [InlineData("--max-run-time", "2x", "is not a duration")]
    [InlineData("--max-run-time", "0s", "is not a duration")]
    [InlineData("--max-run-time", "-5m", "is not a duration")]
    [InlineData("--stall-timeout", "5", "is not a duration")]
    [InlineData("--stall-timeout", "m5", "is not a duration")]
    [InlineData("--start-at", "tomorrow", "is not a time")]
    [InlineData("--start-at", "2025-13-40T25:00", "is not a time")]
    [InlineData("--start-at", "+soon", "is not a time")]
    [InlineData("--start-at", "24/11/2025", "is not a time")]
    [InlineData("--cron", "daily", "is not a cron expression")]
    public async Task Transcode_UnparsableScheduleValue_UsageErrorNamesTheOptionAndSendsNothing(string option, string value, string problem)
    {
        var result = await Transcode($"{option}={value}");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"{option} '{value}' {problem}", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_StartAtInThePast_UsageErrorSaysSoAndSendsNothing()
    {
        var result = await Transcode("--start-at", "2024-11-24T22:00:00Z");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--start-at 2024-11-24 22:00:00 is in the past", result.Error);
        Assert.Contains("leave --start-at out to start at once", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_UnknownTimeZone_UsageError()
    {
        var result = await Transcode("--cron", "30 2 * * *", "--time-zone", "Mars/Olympus_Mons");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--time-zone 'Mars/Olympus_Mons' is not a known IANA time zone", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_TimeZoneWithoutCron_UsageError()
    {
        var result = await Transcode("--time-zone", "UTC");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--time-zone only applies to --cron", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_WaitOnRecurringJob_UsageError()
    {
        var result = await Transcode("--cron", "30 2 * * *", "--wait");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--wait cannot follow a recurring job", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_Recurring_SaysSoAndShowsTheNextRun()
    {
        _farmctl.Farm.SubmitReply = new Job
        {
            Id = "job-r",
            State = JobState.Waiting,
            Recurrence = new Recurrence { Cron = "30 2 * * *", NextRunTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 11, 25, 2, 30, 0, TimeSpan.Zero)) },
        };

        var result = await Transcode("--cron", "30 2 * * *");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("submitted recurring job job-r: waiting", result.Out);
        Assert.Contains("next run: 2025-11-25 02:30:00", result.Out);
    }
}
