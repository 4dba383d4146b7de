using Microsoft.Extensions.Options;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Probing;
using RenderFarm.Coordinator.Storage;

namespace RenderFarm.Coordinator.Housekeeping;

/// <summary>
/// Keeps a year of work from growing the database without bound: jobs that ended longer ago than
/// <see cref="RetentionOptions.FinishedJobs"/> go with their tasks, attempts and logs (a few hundred per transaction), the
/// free pages are given back (SQLite's incremental vacuum; PostgreSQL's autovacuum does it by itself), and agents not
/// connected for <see cref="RetentionOptions.DisconnectedAgents"/> leave the agent list, and probe facts of inputs no task used
/// for <see cref="RetentionOptions.ProbedSources"/> are removed (<see cref="ProbedSources.PruneAsync"/>). <see cref="HousekeepingJob"/> runs
/// it on Quartz's schedule; an operator forgets one agent at once with <see cref="ForgetAgentAsync"/>.
/// </summary>
public sealed partial class FarmHousekeeping(
    IJobStore store, AgentRegistry agents, IOptions<CoordinatorOptions> options, TimeProvider time, ILogger<FarmHousekeeping> logger,
    ProbedSources? probedSources = null)
{
    /// <summary>What one run removed.</summary>
    public sealed record Result(int Jobs, int Attempts, long BytesReclaimed, IReadOnlyList<string> AgentsForgotten, int ProbedSources = 0);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.Retention;
        var now = time.GetUtcNow();
        var (jobs, attempts) = (0, 0);
        if (retention.FinishedJobs > TimeSpan.Zero)
        {
            while (true)
            {
                var (j, a) = await store.InTransactionAsync(tx => tx.DeleteEndedJobsAsync(now - retention.FinishedJobs, retention.BatchSize), cancellationToken);
                (jobs, attempts) = (jobs + j, attempts + a);
                if (j < retention.BatchSize) break;
            }
        }

        var reclaimed = jobs > 0 ? await store.ReclaimFreeSpaceAsync(cancellationToken) : 0;
        IReadOnlyList<string> forgotten = [];
        if (retention.DisconnectedAgents > TimeSpan.Zero)
        {
            var cutoff = now - retention.DisconnectedAgents;
            var shared = await store.InTransactionAsync(tx => tx.ForgetDisconnectedAgentsAsync(null, cutoff), cancellationToken);
            forgotten = agents.ForgetDepartedBefore(cutoff).Union(shared, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }

        var probed = 0;
        if (retention.ProbedSources > TimeSpan.Zero && probedSources is not null)
        {
            probed = await probedSources.PruneAsync(now - retention.ProbedSources, cancellationToken);
            if (probed > 0) ProbedPruned(logger, probed, retention.ProbedSources);
        }

        if (jobs > 0 || forgotten.Count > 0) Removed(logger, jobs, attempts, reclaimed, forgotten.Count, string.Join(", ", forgotten));
        return new Result(jobs, attempts, reclaimed, forgotten, probed);
    }

    /// <summary>An operator's `farmctl agents forget NAME`: a disconnected agent leaves the list now.</summary>
    public async Task ForgetAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        if (agents.Find(agentId) is not null)
        {
            throw new JobStateConflictException($"agent '{agentId}' is connected; stop it first (or revoke it: farmctl agents revoke {agentId}), then forget it");
        }

        var here = agents.Forget(agentId);
        var shared = await store.InTransactionAsync(tx => tx.ForgetDisconnectedAgentsAsync(agentId, time.GetUtcNow()), cancellationToken);
        if (!here && shared.Count == 0)
        {
            throw new NotFoundException($"no disconnected agent is called '{agentId}' (farmctl agents lists the agents it knows)");
        }

        Forgot(logger, agentId);
    }

    [LoggerMessage(150, LogLevel.Information, "Housekeeping removed {Jobs} finished job(s) with {Attempts} attempt(s), gave back {Bytes} bytes, and forgot {Agents} agent(s) {AgentIds}")]
    private static partial void Removed(ILogger logger, int jobs, int attempts, long bytes, int agents, string agentIds);

    [LoggerMessage(151, LogLevel.Information, "Agent {AgentId} forgotten by request")]
    private static partial void Forgot(ILogger logger, string agentId);

    [LoggerMessage(152, LogLevel.Information, "Housekeeping removed the probe facts of {Inputs} input(s) no task used for {Retention}")]
    private static partial void ProbedPruned(ILogger logger, int inputs, TimeSpan retention);
}
