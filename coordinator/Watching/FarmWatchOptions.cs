using System.ComponentModel.DataAnnotations;

namespace RenderFarm.Coordinator.Watching;

/// <summary>WatchFarm's settings, bound from the <c>Coordinator:Watch</c> configuration section.</summary>
public sealed class FarmWatchOptions
{
    public const string Section = "Coordinator:Watch";

    /// <summary>
    /// Events a subscriber may have waiting to be sent before it is cut off (it then re-joins for a new
    /// snapshot). Default 1024.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SubscriberBuffer { get; set; } = 1024;

    /// <summary>Least time between two events about one job; progress in between is coalesced. Default 250 ms (at most 4/s).</summary>
    public TimeSpan JobEventInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often agents are compared for slot, running-work and load changes (UPDATED events). Default 1 s.</summary>
    public TimeSpan AgentPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
