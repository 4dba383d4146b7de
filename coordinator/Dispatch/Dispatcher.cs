using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Hands QUEUED tasks to agents with free slots, event-driven: it runs when a task becomes ready or a slot
/// frees, never on a timer. Highest priority first, first come first served within a priority; an agent
/// never gets more tasks than its credit. Among capable agents, those that need no bytes moved (shared storage,
/// or the input already in their transfer cache) come first.
/// </summary>
public sealed class Dispatcher(
    IJobStore store,
    AgentRegistry agents,
    AttemptLifecycle attempts,
    WorkSignals signals,
    TransferPlanner transfers,
    IOptions<CoordinatorOptions> options,
    TimeProvider time,
    ILogger<Dispatcher> logger,
    Probing.ProbedSources? probedSources = null) : BackgroundService
{
    private const int BatchSize = 200;
    private const int MinWindow = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signals.WorkAvailable();
        await foreach (var _ in signals.Wakeups.ReadAllAsync(stoppingToken))
        {
            try
            {
                // A full pass may leave work and free agents behind: go again until a pass hands out nothing.
                while (await DispatchOnceAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.DispatchFailed(logger, ex);
            }
        }
    }

    /// <summary>
    /// One pass over the queue: matches tasks to agents with credit, claims them all in one transaction, then
    /// sends each claimed task to its agent. Returns how many tasks were handed out.
    /// </summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var open = agents.Connected.Where(Open).ToList();
        if (open.Count == 0) return 0;
        // Read about as many tasks as there are free slots (reading and decoding a task is most of a pass's cost when
        // a busy farm frees one slot at a time); only when that window holds too few tasks these agents can run,
        // look deeper into the queue.
        var window = Math.Clamp(2 * open.Sum(a => a.FreeSlots), MinWindow, BatchSize);
        var (plan, full) = await PlanAsync(open, window, cancellationToken);
        if (full && window < BatchSize && open.Any(Open))
        {
            foreach (var (_, agent) in plan) agent.ReturnSlot();
            (plan, _) = await PlanAsync(open, BatchSize, cancellationToken);
        }

        if (plan.Count == 0) return 0;
        // Cut any pieces of the input before the claim, so the cutting does not eat into the new lease.
        foreach (var (task, agent) in plan.Where(p => p.Agent.Transfers))
        {
            try
            {
                await transfers.PrepareAsync(task.Work, await transfers.InputAsync(task.Work, cancellationToken), agent.HasCached, cancellationToken);
            }
            catch (BlobUnreadableException)
            {
                // Changed since the plan read it: the claim goes ahead, and the blobs added after it fail the attempt.
            }
        }

        IReadOnlyList<AttemptRecord?> claimed;
        try
        {
            claimed = await attempts.TryAssignManyAsync(plan.Select(p => (p.Task, p.Agent.Id)).ToList(), cancellationToken);
        }
        catch
        {
            foreach (var (_, agent) in plan) agent.ReturnSlot();
            throw;
        }

        var handed = 0;
        for (var i = 0; i < plan.Count; i++)
        {
            var (task, agent) = plan[i];
            if (claimed[i] is not { } attempt)
            {
                agent.ReturnSlot();
                continue;
            }

            var work = task.Work.Clone();
            work.AttemptId = attempt.Id;
            if (task.FailedAttempts + task.LostAttempts > 0 || task.BlockedAgents.Count > 0)
            {
                work.EndedAttemptIds.AddRange((await store.GetAttemptsAsync(task.JobId, cancellationToken))
                    .Where(a => a.TaskId == task.Id && a.Id != attempt.Id && a.Outcome != AttemptOutcome.Running).Select(a => a.Id));
                // An earlier attempt may have published before it was lost: the new one adopts that file if it is whole.
                work.Published = await attempts.FindAdoptableAsync(task, attempt.Id, cancellationToken);
            }

            if (agent.Transfers && !await AddBlobsAsync(work, agent, cancellationToken)) continue;
            work.KnownSource = await KnownSourceAsync(work, agent, cancellationToken);
            agent.Assigned(attempt.Id);
            agent.Send(new ConnectResponse { Assignment = work });
            Log.Assigned(logger, task.Id, attempt.Id, agent.Id);
            handed++;
        }

        return handed;
    }

    /// <summary>
    /// Matches up to <paramref name="window"/> QUEUED tasks, best first, to open agents, taking a slot for each.
    /// <c>Full</c> says the window was full, so more tasks wait behind it. Routing (docs/routing.md): a task goes only to
    /// agents with its tags and in its pool, while its limit group has room and within its job's agent cap; an agent
    /// serves its first pool's work before its later pools', and work that names no pool after those (one round per rank).
    /// </summary>
    private async Task<(List<(TaskRecord Task, AgentSession Agent)> Plan, bool Full)> PlanAsync(List<AgentSession> open, int window, CancellationToken cancellationToken)
    {
        var plan = new List<(TaskRecord Task, AgentSession Agent)>();
        var page = await store.GetQueuedTasksAsync(window, cancellationToken);
        var full = page.Count == window;
        // The store orders by priority, then submission; the tasks of one job share both, and go longest first: chunks by
        // their frames, the audio by its expected cost in frames (JobGraph), so neither trails the others when it is long.
        var queued = page.OrderByDescending(t => t.Priority).ThenBy(t => t.Seq).ThenByDescending(t => t.Work.Chunk?.FrameCount ?? t.Work.WeightFrames).ToList();
        // Limit groups and agent caps are counted from the running attempts in the database, read only when a task needs it.
        var ledger = queued.Any(t => t.Requirements.Counted)
            ? new RoutingLedger(await store.GetRunningRoutesAsync(cancellationToken), options.Value.Limits)
            : RoutingLedger.Empty;
        // Most queued tasks need the same encoder, filters and roots: which agents can run them is worked out once a pass.
        var capable = new Dictionary<string, List<AgentSession>>(StringComparer.Ordinal);
        var inputs = new Dictionary<string, BlobRef?>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var anyTransfers = open.Any(a => a.Transfers);
        var rounds = open.Max(a => a.Pools.Count) + 1;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var task in queued)
            {
                if (done.Contains(task.Id)) continue;
                var key = task.Requirements.Serialize();
                if (!capable.TryGetValue(key, out var candidates)) capable[key] = candidates = open.Where(a => a.CanRun(task.Requirements)).ToList();
                if (candidates.Count == 0 || !ledger.GroupHasRoom(task.Requirements)) continue;
                BlobRef? input = null;
                if (anyTransfers && candidates.Any(a => a.Transfers) && !inputs.TryGetValue(task.Id, out input))
                {
                    try
                    {
                        inputs[task.Id] = input = await transfers.InputAsync(task.Work, cancellationToken);
                    }
                    catch (BlobUnreadableException ex)
                    {
                        // This job's input is its own problem (a FIFO, a link out of the root, a file that does not answer):
                        // it fails, and the pass goes on with the others.
                        done.Add(task.Id);
                        await FailUnreadableAsync(task, ex, cancellationToken);
                        continue;
                    }
                }

                var agent = Pick(candidates, task, input?.Sha256, rounds == 1 ? -1 : round, ledger);
                if (agent is null || !agent.TryTakeSlot()) continue;
                ledger.Take(task.Requirements, task.JobId, agent.Id);
                plan.Add((task, agent));
                done.Add(task.Id);
                if (!open.Any(Open)) return (plan, full);
            }
        }

        return (plan, full);
    }

    /// <summary>
    /// For a RENDER or AUDIO task: the facts an earlier attempt probed of its input (by media reference, or by content for
    /// an agent in transfer mode), which the agent uses instead of probing when its open input is exactly the file probed.
    /// </summary>
    private async Task<SourceFacts?> KnownSourceAsync(Assignment work, AgentSession agent, CancellationToken cancellationToken)
    {
        if (probedSources is null || work.Kind is not (TaskKind.Unspecified or TaskKind.Render or TaskKind.Audio)) return null;
        var key = agent.Transfers
            ? work.Blobs.FirstOrDefault(b => b.Media is not null && b.Media.Root == work.Input.Root && b.Media.Path == work.Input.Path) is { } blob
                ? Probing.ProbedSources.ContentKey(blob.Sha256) : null
            : Probing.ProbedSources.MediaKey(work);
        if (key is null) return null;
        try
        {
            return await probedSources.FindAsync(key, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The task is claimed: it goes out without them, and its agent probes.
            Log.ProbedSourceUnread(logger, ex, work.TaskId);
            return null;
        }
    }

    /// <summary>
    /// Adds a claimed task's blobs for a transfer agent; when one of its files cannot be read the attempt fails as bad
    /// input before it is sent, and the agent's slot is given back.
    /// </summary>
    private async Task<bool> AddBlobsAsync(Assignment work, AgentSession agent, CancellationToken cancellationToken)
    {
        try
        {
            await transfers.AddBlobsAsync(work, agent.HasCached, cancellationToken);
            return true;
        }
        catch (BlobUnreadableException ex)
        {
            agent.ReturnSlot();
            Log.Unreadable(logger, work.TaskId, ex.Message);
            await attempts.FailAsync(agent.Id, new TaskFailed
            {
                AttemptId = work.AttemptId, FailureClass = FailureClass.BadInput, Message = $"bad input: {ex.Message}",
            }, cancellationToken);
            return false;
        }
    }

    private async Task FailUnreadableAsync(TaskRecord task, BlobUnreadableException ex, CancellationToken cancellationToken)
    {
        Log.Unreadable(logger, task.Id, ex.Message);
        await attempts.FailQueuedAsync(task.Id, $"bad input: {ex.Message}", cancellationToken);
    }

    /// <summary>
    /// The best open agent for <paramref name="task"/> among those that can run it, for which the task ranks
    /// <paramref name="round"/> in its pools' order (-1: any), and on which the job's agent cap lets it run: one that
    /// moves no bytes (shared storage, or the input already cached) before one that must download it, then the most free
    /// slots, then the lightest load.
    /// </summary>
    private AgentSession? Pick(List<AgentSession> capable, TaskRecord task, string? inputSha256, int round, RoutingLedger ledger)
    {
        AgentSession? best = null;
        var bestMoves = false;
        foreach (var a in capable)
        {
            if (!Open(a) || task.IsBlocked(a.Id)) continue;
            if (round >= 0 && a.PoolRank(task.Requirements) != round) continue;
            if (!ledger.AgentAllowed(task.Requirements, task.JobId, a.Id)) continue;
            var moves = a.Transfers && (inputSha256 is null || !a.HasCached(inputSha256));
            if (best is null || Better(a, moves, best, bestMoves)) (best, bestMoves) = (a, moves);
        }

        return best;
    }

    private static bool Better(AgentSession a, bool aMoves, AgentSession b, bool bMoves) =>
        aMoves != bMoves ? !aMoves
        : a.FreeSlots != b.FreeSlots ? a.FreeSlots > b.FreeSlots
        : a.LoadAverage < b.LoadAverage;

    /// <summary>An agent that may get work now: a free slot, not draining, not away by its own rules, and heard from lately (a stalled link gets nothing).</summary>
    private bool Open(AgentSession agent) => agent.FreeSlots > 0 && !agent.Draining && !agent.Away && !agent.IsUnreachable(time.GetUtcNow(), options.Value.AgentSilenceLimit);
}
