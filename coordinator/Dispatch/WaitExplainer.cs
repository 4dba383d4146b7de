using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.WaitReason.Types.Kind;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Answers "why is my job waiting": a WAITING task waits for a time or other jobs; a QUEUED one waits for an
/// agent that has what it needs, is not draining, has not failed it too often, and has a free slot. The agents are
/// the whole farm's: this coordinator's and, with several coordinators, those the others hold. The routing rules name
/// themselves (docs/routing.md): a tag no agent has, a pool no agent is in, a full limit group, a job's agent cap.
/// </summary>
public sealed class WaitExplainer(AgentRegistry agents, IRemoteAgents remote, RoutingCounts? counts = null) : IWaitExplainer
{
    /// <summary>
    /// Busy or draining agents named in one reason. Every queued job carries its reason (in GetJob, ListJobs and
    /// each WatchFarm event), so naming all of a large farm's agents would cost kilobytes per queued job.
    /// </summary>
    public const int MaxListedAgents = 10;

    public async ValueTask<WaitReason?> ExplainAsync(TaskRecord task, IReadOnlyList<string> pendingDependencies, CancellationToken cancellationToken) => task.State switch
    {
        TaskState.Waiting => ExplainWaiting(task, pendingDependencies),
        TaskState.Queued => ExplainQueued(task, await CandidatesAsync(cancellationToken),
            task.Requirements.Counted && counts is not null ? await counts.CurrentAsync(cancellationToken) : RoutingLedger.Empty),
        _ => null,
    };

    /// <summary>Every connected agent of the farm; an agent that reconnected here counts once, as this coordinator's.</summary>
    private async ValueTask<IReadOnlyList<IWaitCandidate>> CandidatesAsync(CancellationToken cancellationToken)
    {
        var local = agents.Connected;
        var others = await remote.ListAsync(cancellationToken);
        if (others.Count == 0) return local;
        var here = local.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        return [.. local, .. others.Where(o => o.Connected && !here.Contains(o.Info.Id)).Select(o => new RemoteCandidate(o.Info))];
    }

    private static WaitReason ExplainWaiting(TaskRecord task, IReadOnlyList<string> pending)
    {
        var until = task.NotBefore is { } t ? Timestamp.FromDateTimeOffset(t) : null;
        switch (task.WaitingFor)
        {
            case TaskWait.Dependency:
                var reason = Reason(Kind.Dependency, $"waiting for job(s) {string.Join(", ", pending)} to succeed"
                    + (task.NotBefore is { } start ? $", then for its start time {Time(start)}" : ""), until);
                reason.JobIds.AddRange(pending);
                return reason;
            case TaskWait.Input:
                var input = Reason(Kind.Input, $"checking its input, the output of job {task.Work.InputFromJob}, before it is queued");
                input.JobIds.Add(task.Work.InputFromJob);
                return input;
            case TaskWait.Tasks:
                return Reason(Kind.Tasks, "waiting for every chunk and the audio of its job to finish");
            case TaskWait.Backoff:
                return Reason(Kind.Backoff, $"backing off after {task.FailedAttempts} failed attempt(s) (retry limit {task.MaxRetries}); retries at {Time(task.NotBefore)}", until);
            default:
                return Reason(Kind.Scheduled, $"scheduled to start at {Time(task.NotBefore)}", until);
        }
    }

    private static WaitReason ExplainQueued(TaskRecord task, IReadOnlyList<IWaitCandidate> connected, RoutingLedger ledger)
    {
        if (connected.Count == 0) return Reason(Kind.NoAgents, "no agent is connected");

        var needs = task.Requirements;
        var able = connected.Where(a => a.HasMedia(needs)).ToList();
        if (able.Count == 0) return Reason(Kind.NoCapableAgent, $"no connected agent can run it: {Missing(needs, connected)}");

        var tagged = able.Where(a => a.HasTags(needs)).ToList();
        if (tagged.Count == 0) return Reason(Kind.NeedsTag, NeedsTag(needs, able, connected));

        var capable = tagged.Where(a => a.InPool(needs)).ToList();
        if (capable.Count == 0)
        {
            return Reason(Kind.Pool, connected.Any(a => a.Pools.Contains(needs.Pool))
                ? $"pool {needs.Pool}: no agent in it can run it (its agents lack the encoder, filters, media roots or tags it needs)"
                : $"pool {needs.Pool}: no connected agent is in it");
        }

        var allowed = capable.Where(a => !task.IsBlocked(a.Id)).ToList();
        if (allowed.Count == 0)
        {
            var blocked = Reason(Kind.Blocklisted, $"every capable agent ({string.Join(", ", capable.Select(a => a.Id))}) failed this task too often and is passed over; it waits for another agent");
            blocked.AgentIds.AddRange(capable.Select(a => a.Id));
            return blocked;
        }

        var open = allowed.Where(a => !a.Draining).ToList();
        if (open.Count == 0)
        {
            var named = allowed.Take(MaxListedAgents).Select(a => $"{a.Id} ({a.DrainReason})");
            var more = allowed.Count > MaxListedAgents ? $" and {allowed.Count - MaxListedAgents} more" : "";
            var draining = Reason(Kind.AgentsDraining, "every capable agent is draining: " + string.Join("; ", named) + more);
            draining.AgentIds.AddRange(allowed.Take(MaxListedAgents).Select(a => a.Id));
            return draining;
        }

        var working = open.Where(a => a.AwayReason.Length == 0).ToList();
        if (working.Count == 0) return Away(open);

        if (!ledger.GroupHasRoom(needs))
        {
            var limit = ledger.Limit(needs.LimitGroup);
            return Reason(Kind.LimitGroup, limit == 0
                ? $"limit group {needs.LimitGroup} is not configured on this coordinator (Coordinator:Limits:{needs.LimitGroup}), so nothing of it starts"
                : $"limit group {needs.LimitGroup} is full ({ledger.Running(needs.LimitGroup)}/{limit})");
        }

        var on = ledger.AgentsOf(task.JobId);
        if (needs.MaxAgents > 0 && on.Count >= needs.MaxAgents && working.Where(a => on.Contains(a.Id)).All(a => a.FreeSlots <= 0))
        {
            var capped = Reason(Kind.MaxAgents, $"max {needs.MaxAgents} agent{(needs.MaxAgents == 1 ? "" : "s")} at once: the job runs on {string.Join(", ", on.Order(StringComparer.Ordinal).Take(MaxListedAgents))}, which {(on.Count == 1 ? "has" : "have")} no free slot");
            capped.AgentIds.AddRange(on.Order(StringComparer.Ordinal).Take(MaxListedAgents));
            return capped;
        }

        if (working.All(a => a.FreeSlots <= 0))
        {
            var busy = Reason(Kind.SlotsBusy, $"all {working.Sum(a => a.Slots)} slot(s) on {working.Count} capable agent(s) are busy");
            busy.AgentIds.AddRange(working.Take(MaxListedAgents).Select(a => a.Id));
            return busy;
        }

        return Reason(Kind.Dispatching, "a capable agent has a free slot; it is being handed over");
    }

    /// <summary>"needs tag gpu: no connected agent has it"; or, when every tag is somewhere, that no capable agent has them all.</summary>
    private static string NeedsTag(TaskRequirements needs, IReadOnlyList<IWaitCandidate> able, IReadOnlyList<IWaitCandidate> connected)
    {
        var parts = new List<string>();
        foreach (var tag in needs.Tags.Where(t => !able.Any(a => a.Tags.Contains(t))))
        {
            parts.Add(connected.Any(a => a.Tags.Contains(tag))
                ? $"needs tag {tag}: no connected agent that can run it has it"
                : $"needs tag {tag}: no connected agent has it");
        }

        return parts.Count > 0 ? string.Join("; ", parts) : $"needs tags {string.Join(", ", needs.Tags)}: no connected agent that can run it has them all";
    }

    /// <summary>
    /// Every capable agent is away by its own rules, counted by reason: "2 capable agents are outside their hours until
    /// 19:00; ws03: owner active for 3 min". <c>until</c> is the earliest time one of them expects to take work again.
    /// </summary>
    private static WaitReason Away(IReadOnlyList<IWaitCandidate> away)
    {
        var parts = away.GroupBy(a => a.AwayReason, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .Select(g => g.Count() == 1 ? $"{g.First().Id}: {g.Key}" : Several(g.Count(), g.Key))
            .ToList();
        var until = away.Select(a => a.AwayUntil).Where(t => t is not null).Min();
        var reason = Reason(Kind.AgentsAway, "every capable agent is away: " + string.Join("; ", parts.Take(MaxListedAgents))
            + (parts.Count > MaxListedAgents ? $" and {parts.Count - MaxListedAgents} more" : ""), until is { } t ? Timestamp.FromDateTimeOffset(t) : null);
        reason.AgentIds.AddRange(away.Take(MaxListedAgents).Select(a => a.Id));
        return reason;
    }

    /// <summary>One reason several agents share: "2 capable agents are outside their hours until 19:00", "2 capable agents: on battery".</summary>
    private static string Several(int count, string reason) =>
        reason.StartsWith("outside hours", StringComparison.Ordinal)
            ? $"{count} capable agents are outside their hours{reason["outside hours".Length..]}"
            : $"{count} capable agents: {reason}";

    private static string Missing(TaskRequirements needs, IReadOnlyList<IWaitCandidate> connected)
    {
        var missing = new List<string>();
        if (!connected.Any(a => a.Encoders.Contains(needs.Encoder))) missing.Add($"none has the encoder {needs.Encoder}");
        missing.AddRange(needs.Filters.Where(f => !connected.Any(a => a.Filters.Contains(f))).Select(f => $"none has the filter {f}"));
        missing.AddRange(needs.MediaRoots.Where(r => !connected.Any(a => a.Transfers || a.MediaRoots.Contains(r))).Select(r => $"none reaches the media root '{r}'"));
        return missing.Count > 0 ? string.Join("; ", missing) : "no single agent has the encoder, filters and media roots together";
    }

    private static WaitReason Reason(Kind kind, string message, Timestamp? until = null) =>
        new() { Kind = kind, Message = message, Until = until };

    private static string Time(DateTimeOffset? time) =>
        time?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "a time not set";
}
