using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// Keeps the agent a good guest: every <see cref="GuestOptions.CheckInterval"/> it asks <see cref="GuestPolicy"/>
/// whether new work may be taken and tells the coordinator when that changes (<see cref="AgentAvailability"/>, also
/// in the hello, so nothing is sent to an agent that is away). When the owner comes back while work runs it pauses
/// ffmpeg (SIGSTOP; resumed when the owner leaves, given back to the queue after <see cref="GuestOptions.PauseLimit"/>),
/// yields it back at once, or lowers it to nice 19, by <see cref="GuestOptions.OwnerReturns"/>. Attempts given back are
/// reported interrupted, which re-queues them without burning a retry; the away notice goes first, so the coordinator
/// does not hand them straight back.
/// </summary>
public sealed partial class GuestGuard(
    GuestPolicy policy,
    IIdleSource idle,
    IMachineProbe machine,
    IRenderControl control,
    IGuestWork work,
    AgentOutbox outbox,
    IReadOnlyCollection<string> diskFolders,
    TimeProvider time,
    ILogger<GuestGuard> logger) : BackgroundService
{
    /// <summary>An away notice is repeated this often, in case a reconnect lost it.</summary>
    public static readonly TimeSpan Repeat = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly Lock _checking = new();
    private AgentAvailability _current = new();
    private DateTimeOffset _sent = DateTimeOffset.MinValue;
    private DateTimeOffset? _ownerSince;
    private DateTimeOffset? _pausedSince;
    private IReadOnlyCollection<string> _paused = [];

    private GuestOptions Options => policy.Options;

    /// <summary>What the rules allow now, as last told to the coordinator.</summary>
    public AgentAvailability Current
    {
        get
        {
            lock (_lock) return _current.Clone();
        }
    }

    /// <summary>
    /// Decides once before the agent dials in (the link starts after this service), so the hello already says whether
    /// the agent takes work: an agent outside its hours is never offered work in its first moments.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        CheckSafely();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Options.CheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            CheckSafely();
        }
    }

    private void CheckSafely()
    {
        try
        {
            Check();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A rule that cannot be read this time must not stop the agent; the next check tries again.
            Log.CheckFailed(logger, ex.Message);
        }
    }

    /// <summary>
    /// Follows the schedule an operator set on the coordinator (an empty one: back to the agent's own hours) and checks at
    /// once, so the coordinator hears that it is followed (<see cref="AgentAvailability.OperatorSchedule"/>) without
    /// waiting for the next check. At the end of a working period running work finishes, or yields by
    /// <see cref="GuestOptions.AtEndOfHours"/>, as with the agent's own hours.
    /// </summary>
    public void FollowOperatorSchedule(OperatorSchedule schedule)
    {
        if (policy.Follow(schedule))
        {
            Log.OperatorSchedule(logger, schedule.Hours.Length > 0 ? $"'{schedule.Hours}'{(schedule.TimeZone.Length > 0 ? " in " + schedule.TimeZone : "")}" : "none (back to its own hours)");
        }

        CheckSafely();
    }
    /// <summary>Whether the machine's owner was using it at the last check.</summary>
    public bool OwnerPresent => _ownerSince is not null;

    /// <summary>One check: decide, tell the coordinator what changed, and act on running work.</summary>
    public void Check()
    {
        lock (_checking) CheckLocked();
    }

    private void CheckLocked()
    {
        var now = time.GetUtcNow();
        var verdict = policy.Decide(now, Options.IdleMinutes > 0 ? idle.IdleFor(now) : null, machine.Read(Options.MinFreeDiskGB > 0 ? diskFolders : [], Options.BlockingApps.Count > 0));
        _ownerSince = verdict.OwnerPresent ? _ownerSince ?? now : null;
        var running = work.RunningAttemptIds;
        string? giveBack = null;

        if (verdict.OwnerPresent && running.Count > 0)
        {
            var mode = Options.OwnerReturns == OwnerReturn.Pause && !control.CanSuspend ? OwnerReturn.Yield : Options.OwnerReturns;
            switch (mode)
            {
                case OwnerReturn.Pause:
                    if (_pausedSince is null)
                    {
                        _pausedSince = now;
                        Log.Pausing(logger, string.Join(", ", running));
                    }

                    _paused = running;
                    // Every check: an ffmpeg the attempt started since (its next step) is suspended too.
                    control.Suspend();
                    if (now - _pausedSince >= Options.PauseLimit) giveBack = $"paused longer than {Options.PauseLimit:g} while the machine's owner was active";
                    break;
                case OwnerReturn.Yield:
                    giveBack = "the machine's owner is back";
                    break;
                case OwnerReturn.Lower:
                    control.Lower();
                    break;
            }
        }
        else if (_pausedSince is not null)
        {
            Resume();
        }

        if (giveBack is null && verdict.OutsideHours && Options.AtEndOfHours == HoursEnd.Yield && running.Count > 0)
        {
            giveBack = "its working hours ended";
        }

        var reason = verdict.AwayReason == "owner active" ? OwnerActive(now) : verdict.AwayReason;
        var availability = new AgentAvailability
        {
            Slots = (uint)verdict.Slots,
            UntilTime = verdict.Until is { } u ? Timestamp.FromDateTimeOffset(u) : null,
            OperatorSchedule = policy.OperatorSchedule?.Clone(),
        };
        if (_pausedSince is { } since && giveBack is null)
        {
            availability.AwayReason = string.Create(CultureInfo.InvariantCulture, $"paused: attempt {string.Join(", ", _paused)} suspended {(now - since).TotalSeconds:0} s");
            availability.PausedAttemptIds.AddRange(_paused);
        }
        else
        {
            availability.AwayReason = reason ?? "";
        }

        Publish(availability, now);
        if (giveBack is not null)
        {
            if (_pausedSince is not null) Resume();
            Log.GivingBack(logger, string.Join(", ", running), giveBack);
            work.GiveBackAll(giveBack);
        }
    }

    private void Resume()
    {
        control.Resume();
        Log.Resumed(logger, string.Join(", ", _paused));
        _pausedSince = null;
        _paused = [];
    }

    private string OwnerActive(DateTimeOffset now)
    {
        var active = now - (_ownerSince ?? now);
        return active < TimeSpan.FromMinutes(1) ? "owner active" : string.Create(CultureInfo.InvariantCulture, $"owner active for {(int)active.TotalMinutes} min");
    }

    private void Publish(AgentAvailability availability, DateTimeOffset now)
    {
        lock (_lock)
        {
            var changed = !availability.Equals(_current);
            if (!changed && (availability.AwayReason.Length == 0 || now - _sent < Repeat)) return;
            if (changed && availability.AwayReason != _current.AwayReason)
            {
                Log.Availability(logger, availability.AwayReason.Length > 0 ? availability.AwayReason : "takes work");
            }

            _current = availability;
            _sent = now;
        }

        outbox.Post(new ConnectRequest { Availability = availability.Clone() });
    }
}
