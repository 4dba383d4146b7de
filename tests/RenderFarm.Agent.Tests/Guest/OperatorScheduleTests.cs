using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Guest;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.Schedules;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Guest;

/// <summary>
/// An operator's schedule from the coordinator, followed by the guest rules instead of the agent's own hours, with a
/// fake clock: when the agent stops taking work, what running work does at the end of a period, what it tells the
/// coordinator (the reason and the schedule it follows), and going back to its own hours when the operator clears it.
/// </summary>
public sealed class OperatorScheduleTests
{
    // Wednesday 2026-12-02 12:00 UTC.
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Noon);
    private readonly FakeWork _work = new();
    private readonly AgentOutbox _outbox;
    private readonly ChannelReader<ConnectRequest> _sent;

    public OperatorScheduleTests()
    {
        _outbox = new AgentOutbox(_time);
        _sent = _outbox.Connect();
    }

    [Fact]
    public void FollowOperatorSchedule_ExcludingNow_AwayUntilItsStart_SaysWhoseHours_RunningWorkFinishes_ThenItsSlotsAt19()
    {
        var guard = Guard(new GuestOptions());
        _work.Running.Add("att-1");
        guard.Check();
        Assert.Equal("", guard.Current.AwayReason);

        var schedule = new OperatorSchedule { Hours = "Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day" };
        guard.FollowOperatorSchedule(schedule);

        var away = Sent();
        Assert.Equal("outside hours until 19:00 (operator's schedule)", away.AwayReason);
        Assert.Equal(Noon.Date.AddHours(19), away.UntilTime.ToDateTime());
        Assert.Equal(schedule, away.OperatorSchedule);
        Assert.Empty(_work.GivenBack);
        Assert.Contains("att-1", _work.Running);

        _time.Advance(TimeSpan.FromHours(7));
        guard.Check();
        var inside = Sent();
        Assert.Equal(("", 2u), (inside.AwayReason, inside.Slots));
        Assert.Equal(schedule, inside.OperatorSchedule);
    }

    [Fact]
    public void FollowOperatorSchedule_OverridesTheAgentsOwnHours_AndClearingGoesBackToThem()
    {
        // Its own hours: any time on Wednesday. The operator's: only Thursday mornings.
        var guard = Guard(new GuestOptions { Hours = "Wed all day" });
        guard.Check();
        Assert.Equal("", guard.Current.AwayReason);

        guard.FollowOperatorSchedule(new OperatorSchedule { Hours = "Thu 08:00-10:00" });
        Assert.Equal("outside hours until Thu 08:00 (operator's schedule)", Sent().AwayReason);

        guard.FollowOperatorSchedule(new OperatorSchedule());
        var own = Sent();
        Assert.Equal("", own.AwayReason);
        Assert.Null(own.OperatorSchedule);
    }

    [Fact]
    public void FollowOperatorSchedule_EndOfItsPeriod_YieldPolicy_GivesRunningWorkBack()
    {
        var guard = Guard(new GuestOptions { AtEndOfHours = HoursEnd.Yield });
        guard.FollowOperatorSchedule(new OperatorSchedule { Hours = "Wed 08:00-13:00" });
        Assert.Equal("", Last().AwayReason);
        _work.Running.Add("att-1");

        _time.Advance(TimeSpan.FromHours(1));
        guard.Check();

        Assert.Equal(["its working hours ended"], _work.GivenBack);
        Assert.Equal("outside hours until Wed 08:00 (operator's schedule)", Last().AwayReason);
    }

    [Fact]
    public void FollowOperatorSchedule_ItsOwnTimeZone_ReadInThatZone()
    {
        // 12:00 UTC is 21:00 in Tokyo: inside the operator's Tokyo evening, though the agent's own zone is UTC.
        var guard = Guard(new GuestOptions());
        guard.FollowOperatorSchedule(new OperatorSchedule { Hours = "Wed 20:00-23:00", TimeZone = "Asia/Tokyo" });
        Assert.Equal("", Last().AwayReason);

        _time.Advance(TimeSpan.FromHours(2)); // 23:00 in Tokyo
        guard.Check();
        Assert.Equal("outside hours until Wed 20:00 (operator's schedule)", Last().AwayReason);
    }

    [Fact]
    public void FollowOperatorSchedule_ZoneUnknownHere_TakesNoWorkAndSaysWhy()
    {
        var guard = Guard(new GuestOptions());

        guard.FollowOperatorSchedule(new OperatorSchedule { Hours = "daily all day", TimeZone = "Mars/Olympus_Mons" });

        var away = Last();
        Assert.Equal("the operator's schedule names time zone 'Mars/Olympus_Mons', unknown on this machine", away.AwayReason);
        Assert.Equal("Mars/Olympus_Mons", away.OperatorSchedule.TimeZone);
    }

    private GuestGuard Guard(GuestOptions options)
    {
        Assert.True(WorkHours.TryParse(options.Hours, out var hours, out var problem), problem);
        return new GuestGuard(new GuestPolicy(options, hours, TimeZoneInfo.Utc), new FakeIdle(), new FakeMachine(), new FakeControl(), _work, _outbox, [], _time, NullLogger<GuestGuard>.Instance);
    }

    /// <summary>The one availability message sent since the last look.</summary>
    private AgentAvailability Sent()
    {
        Assert.True(_sent.TryRead(out var message), "no availability was sent");
        Assert.False(_sent.TryRead(out var more), $"more was sent: {more}");
        return message.Availability;
    }

    private AgentAvailability Last()
    {
        AgentAvailability? last = null;
        while (_sent.TryRead(out var message)) last = message.Availability;
        return last ?? throw new InvalidOperationException("no availability was sent");
    }
}
