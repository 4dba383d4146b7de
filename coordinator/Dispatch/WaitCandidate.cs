using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// A connected agent as the wait explainer weighs it, whether this coordinator holds its stream
/// (<see cref="AgentSession"/>) or another one does (<see cref="RemoteCandidate"/>): what it can run, whether it is
/// draining, and its slots.
/// </summary>
public interface IWaitCandidate
{
    string Id { get; }

    IReadOnlyCollection<string> Encoders { get; }

    IReadOnlyCollection<string> Filters { get; }

    IReadOnlyCollection<string> MediaRoots { get; }

    /// <summary>Its labels (Agent:Tags); a job's required tags must all be among them.</summary>
    IReadOnlyList<string> Tags { get; }

    /// <summary>The pools it belongs to, in the order it serves them (Agent:Pools).</summary>
    IReadOnlyList<string> Pools { get; }

    /// <summary>Its inputs and outputs travel over TransferService, so it needs no media root.</summary>
    bool Transfers { get; }

    bool Draining { get; }

    string DrainReason { get; }

    /// <summary>Why its own rules keep it from new work (owner active, outside hours, ...); empty while it takes work.</summary>
    string AwayReason { get; }

    /// <summary>When it expects to take work again, where known.</summary>
    DateTimeOffset? AwayUntil { get; }

    /// <summary>Tasks it may run at once now (its schedule's period's slots).</summary>
    int Slots { get; }

    int FreeSlots { get; }
}

public static class WaitCandidates
{
    /// <summary>The test the dispatcher applies: it has what the task needs and it serves the task's tags and pool.</summary>
    public static bool CanRun(this IWaitCandidate agent, TaskRequirements needs) => agent.HasMedia(needs) && agent.HasTags(needs) && agent.InPool(needs);

    /// <summary>The encoder, every filter, and every media root unless it transfers.</summary>
    public static bool HasMedia(this IWaitCandidate agent, TaskRequirements needs) =>
        agent.Encoders.Contains(needs.Encoder) && needs.Filters.All(agent.Filters.Contains) && (agent.Transfers || needs.MediaRoots.All(agent.MediaRoots.Contains));

    /// <summary>Every tag the job requires.</summary>
    public static bool HasTags(this IWaitCandidate agent, TaskRequirements needs) => needs.Tags.Count == 0 || needs.Tags.All(agent.Tags.Contains);

    /// <summary>In the job's pool, or the job names none.</summary>
    public static bool InPool(this IWaitCandidate agent, TaskRequirements needs) => needs.Pool.Length == 0 || agent.Pools.Contains(needs.Pool);

    /// <summary>
    /// Where the task comes in the order the agent serves work (0 first): the place of the task's pool among its pools, and
    /// after them all (its number of pools) for a task that names no pool.
    /// </summary>
    public static int PoolRank(this IWaitCandidate agent, TaskRequirements needs)
    {
        if (needs.Pool.Length == 0) return agent.Pools.Count;
        for (var i = 0; i < agent.Pools.Count; i++)
        {
            if (string.Equals(agent.Pools[i], needs.Pool, StringComparison.Ordinal)) return i;
        }

        return int.MaxValue;
    }
}

/// <summary>An agent another coordinator holds, as <see cref="Cluster.IRemoteAgents"/> lists it.</summary>
public sealed class RemoteCandidate(AgentInfo info) : IWaitCandidate
{
    public string Id => info.Id;

    public IReadOnlyCollection<string> Encoders => info.Encoders;

    public IReadOnlyCollection<string> Filters => info.Filters;

    public IReadOnlyCollection<string> MediaRoots => info.MediaRoots;

    public IReadOnlyList<string> Tags => info.Tags;

    public IReadOnlyList<string> Pools => info.Pools;

    public bool Transfers => info.StorageMode == StorageMode.Transfer;

    public bool Draining => info.Draining;

    public string DrainReason => info.DrainReason;

    public string AwayReason => info.AwayReason;

    public DateTimeOffset? AwayUntil => info.AwayUntilTime?.ToDateTimeOffset();

    public int Slots => info.PeriodSlots > 0 ? (int)Math.Min(info.PeriodSlots, info.Slots) : (int)info.Slots;

    public int FreeSlots => (int)info.FreeSlots;
}
