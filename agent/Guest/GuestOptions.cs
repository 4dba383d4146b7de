namespace RenderFarm.Agent.Guest;

/// <summary>
/// How the agent behaves as a guest on someone's machine, bound from <c>Agent:Guest</c>. Every rule is off by default,
/// so an agent on a server renders whenever it is connected, as before.
/// </summary>
public sealed class GuestOptions
{
    /// <summary>Take work only after keyboard and mouse were idle this many minutes; 0 = the owner's activity is not watched. Default 0.</summary>
    public double IdleMinutes { get; set; }

    /// <summary>What running work does when the owner comes back: <c>Pause</c>, <c>Yield</c> or <c>Lower</c>. Default <c>Pause</c>.</summary>
    public OwnerReturn OwnerReturns { get; set; } = OwnerReturn.Pause;

    /// <summary>A render paused longer than this is given back to the queue (no retry burnt). Keep it below the coordinator's stall timeout (10 min). Default 5 min.</summary>
    public TimeSpan PauseLimit { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When the agent may work, in its time zone: entries separated by <c>,</c> or <c>;</c>, each days, hours and an
    /// optional slot count, e.g. <c>Mon-Fri 19:00-08:00 slots=2, Mon-Fri 12:00-13:00 slots=1, Sat-Sun all day</c>.
    /// A period past midnight belongs to the day it starts. Empty = always. Default empty.
    /// </summary>
    public string Hours { get; set; } = "";

    /// <summary>The time zone of <see cref="Hours"/> (an IANA or Windows id); empty = the machine's. Default empty.</summary>
    public string TimeZone { get; set; } = "";

    /// <summary>At the end of a working period: <c>Finish</c> running work (nothing new starts) or <c>Yield</c> it back to the queue. Default <c>Finish</c>.</summary>
    public HoursEnd AtEndOfHours { get; set; } = HoursEnd.Finish;

    /// <summary>No new work while one of these applications runs (a process whose name starts with it, any case), e.g. <c>Resolve</c>. Default none.</summary>
    public List<string> BlockingApps { get; set; } = [];

    /// <summary>No new work while other processes keep the CPU busier than this, in percent of all cores; 0 = not checked. Default 0.</summary>
    public double MaxOtherCpuPercent { get; set; }

    /// <summary>No new work while the data folder's or a media root's disk has less free space than this; 0 = not checked. Default 0.</summary>
    public double MinFreeDiskGB { get; set; }

    /// <summary>No new work while the machine has less memory available than this; 0 = not checked. Default 0.</summary>
    public double MinFreeMemoryGB { get; set; }

    /// <summary>Whether to take work while the machine runs on battery. Default false.</summary>
    public bool WorkOnBattery { get; set; }

    /// <summary>How often the rules are checked. Default 5 s.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);
}
