using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Agent.Guest;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.Schedules;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Guest;

/// <summary>
/// The guest rules over time with a fake clock, idle source, machine and ffmpeg: when the agent stops taking work,
/// pauses, yields and resumes, and what it tells the coordinator.
/// </summary>
public sealed class GuestGuardTests
{
    // Wednesday 2026-12-02 12:00 UTC.
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Noon);
    private readonly FakeIdle _idle = new();
    private readonly FakeMachine _machine = new();
    private readonly FakeControl _control = new();
    private readonly FakeWork _work = new();
    private readonly AgentOutbox _outbox;
    private readonly ChannelReader<ConnectRequest> _sent;

    public GuestGuardTests()
    {
        _outbox = new AgentOutbox(_time);
        _sent = _outbox.Connect();
    }

    [Fact]
    public void Check_OwnerAtTheKeyboard_AwayOwnerActive_ThenForMinutes_ThenTakesWorkWhenIdleAgain()
    {
        var guard = Guard(new GuestOptions { IdleMinutes = 10 });
        _idle.Idle = TimeSpan.FromSeconds(20);

        guard.Check();
        Assert.Equal("owner active", Sent().AwayReason);

        _time.Advance(TimeSpan.FromMinutes(3));
        guard.Check();
        Assert.Equal("owner active for 3 min", Sent().AwayReason);

        _idle.Idle = TimeSpan.FromMinutes(10);
        guard.Check();
        Assert.Equal("", Sent().AwayReason);
        Assert.Equal("", guard.Current.AwayReason);
    }

    [Fact]
    public void Check_OwnerReturnsWhileRendering_Pause_SuspendsAndSaysSo_ResumesWhenTheOwnerLeaves()
    {
        var guard = Guard(new GuestOptions { IdleMinutes = 5, OwnerReturns = OwnerReturn.Pause });
        _work.Running.Add("att-1");
        guard.Check();
        Assert.Empty(_control.Calls);

        _idle.Idle = TimeSpan.FromSeconds(2);
        guard.Check();
        _time.Advance(TimeSpan.FromSeconds(40));
        guard.Check();

        var paused = Last();
        Assert.Equal("paused: attempt att-1 suspended 40 s", paused.AwayReason);
        Assert.Equal(["att-1"], paused.PausedAttemptIds);
        Assert.Equal(["suspend", "suspend"], _control.Calls);

        _idle.Idle = TimeSpan.FromMinutes(6);
        guard.Check();

        Assert.Equal("resume", _control.Calls[^1]);
        Assert.Equal("", Sent().AwayReason);
        Assert.Empty(_work.GivenBack);
        Assert.Contains("att-1", _work.Running);
    }

    [Fact]
    public void Check_PausedLongerThanTheLimit_ResumesThenGivesTheAttemptBack_AfterSayingItIsAway()
    {
        var guard = Guard(new GuestOptions { IdleMinutes = 5, PauseLimit = TimeSpan.FromMinutes(2) });
        _work.Running.Add("att-1");
        _idle.Idle = TimeSpan.Zero;
        guard.Check();
        _time.Advance(TimeSpan.FromSeconds(119));
        guard.Check();
        Assert.Empty(_work.GivenBack);

        _time.Advance(TimeSpan.FromSeconds(1));
        guard.Check();

        var reason = Assert.Single(_work.GivenBack);
        Assert.Contains("paused longer than", reason, StringComparison.Ordinal);
        Assert.Equal(["suspend", "suspend", "suspend", "resume"], _control.Calls);
        var away = Last();
        Assert.StartsWith("owner active", away.AwayReason, StringComparison.Ordinal);
        Assert.Empty(away.PausedAttemptIds);
    }

    [Fact]
    public void Check_OwnerReturns_Yield_GivesBackAtOnce_WithoutSuspending()
    {
        var guard = Guard(new GuestOptions { IdleMinutes = 5, OwnerReturns = OwnerReturn.Yield });
        _work.Running.Add("att-1");
        _idle.Idle = TimeSpan.FromSeconds(1);

        guard.Check();

        Assert.Equal(["the machine's owner is back"], _work.GivenBack);
        Assert.Empty(_control.Calls);
        Assert.Equal("owner active", Sent().AwayReason);
    }

    [Fact]
    public void Check_OwnerReturns_Lower_KeepsRenderingAtLowestPriority()
    {
        var guard = Guard(new GuestOptions { IdleMinutes = 5, OwnerReturns = OwnerReturn.Lower });
        _work.Running.Add("att-1");
        _idle.Idle = TimeSpan.FromSeconds(1);

        guard.Check();

        Assert.Equal(["lower"], _control.Calls);
        Assert.Empty(_work.GivenBack);
        Assert.Equal("owner active", Sent().AwayReason);
    }

    [Fact]
    public void Check_PauseUnsupported_YieldsInstead()
    {
        _control.CanSuspend = false;
        var guard = Guard(new GuestOptions { IdleMinutes = 5, OwnerReturns = OwnerReturn.Pause });
        _work.Running.Add("att-1");
        _idle.Idle = TimeSpan.Zero;

        guard.Check();

        Assert.Single(_work.GivenBack);
        Assert.Empty(_control.Calls);
    }

    [Fact]
    public void Check_Schedule_OutsideHoursUntil19_ThenTwoSlotsAt19_AndFinishesRunningWorkAtTheEnd()
    {
        var guard = Guard(new GuestOptions { Hours = "Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day" });
        _work.Running.Add("att-1");

        guard.Check();
        var outside = Sent();
        Assert.Equal("outside hours until 19:00", outside.AwayReason);
        Assert.Equal(Noon.Date.AddHours(19), outside.UntilTime.ToDateTime());
        Assert.Empty(_work.GivenBack);

        _time.Advance(TimeSpan.FromHours(7));
        guard.Check();
        var inside = Sent();
        Assert.Equal("", inside.AwayReason);
        Assert.Equal(2u, inside.Slots);
    }

    [Fact]
    public void Check_EndOfHours_Yield_GivesRunningWorkBack()
    {
        var guard = Guard(new GuestOptions { Hours = "Mon-Fri 08:00-12:00", AtEndOfHours = HoursEnd.Yield });
        _work.Running.Add("att-1");

        guard.Check();

        Assert.Equal(["its working hours ended"], _work.GivenBack);
        Assert.Equal("outside hours until Thu 08:00", Sent().AwayReason);
    }

    [Theory]
    [InlineData("resolve", "Resolve is running")]
    [InlineData("battery", "on battery")]
    [InlineData("disk", "disk 2 GB free < 20 GB (/srv/media)")]
    [InlineData("memory", "memory 1 GB free < 4 GB")]
    [InlineData("cpu", "other processes use 85 % CPU > 50 %")]
    public void Check_MachineRule_AwayWithThatReason_RunningWorkKeepsGoing(string rule, string expected)
    {
        const long GB = 1024L * 1024 * 1024;
        var guard = Guard(new GuestOptions { BlockingApps = ["Resolve"], MinFreeDiskGB = 20, MinFreeMemoryGB = 4, MaxOtherCpuPercent = 50 });
        _work.Running.Add("att-1");
        _machine.Reading = rule switch
        {
            "resolve" => MachineReading.Unknown with { Processes = ["bash", "resolve"] },
            "battery" => MachineReading.Unknown with { OnBattery = true },
            "disk" => MachineReading.Unknown with { FreeDisk = ("/srv/media", 2 * GB) },
            "memory" => MachineReading.Unknown with { FreeMemoryBytes = GB },
            _ => MachineReading.Unknown with { OtherCpuPercent = 85 },
        };

        guard.Check();

        Assert.Equal(expected, Sent().AwayReason);
        Assert.Empty(_work.GivenBack);
        Assert.Empty(_control.Calls);
    }

    [Fact]
    public void Check_NoChange_SendsNothingMore_UntilTheRepeatInterval()
    {
        var guard = Guard(new GuestOptions { BlockingApps = ["Resolve"] });
        _machine.Reading = MachineReading.Unknown with { Processes = ["Resolve"] };
        guard.Check();
        Sent();

        guard.Check();
        Assert.False(_sent.TryRead(out _));

        _time.Advance(GuestGuard.Repeat);
        guard.Check();
        Assert.Equal("Resolve is running", Sent().AwayReason);
    }

    private GuestGuard Guard(GuestOptions options)
    {
        Assert.True(WorkHours.TryParse(options.Hours, out var hours, out var problem), problem);
        return new GuestGuard(new GuestPolicy(options, hours, TimeZoneInfo.Utc), _idle, _machine, _control, _work, _outbox, ["/srv/media"], _time, NullLogger<GuestGuard>.Instance);
    }

    /// <summary>The one availability message sent since the last look.</summary>
    private AgentAvailability Sent()
    {
        Assert.True(_sent.TryRead(out var message), "no availability was sent");
        Assert.False(_sent.TryRead(out var more), $"more was sent: {more}");
        return message.Availability;
    }

    /// <summary>The last availability message sent since the last look.</summary>
    private AgentAvailability Last()
    {
        AgentAvailability? last = null;
        while (_sent.TryRead(out var message)) last = message.Availability;
        return last ?? throw new InvalidOperationException("no availability was sent");
    }
}
