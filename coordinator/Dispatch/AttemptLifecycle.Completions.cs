using RenderFarm.Coordinator.Chunking;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Completions. Agents that finish at the same moment are committed together (<see cref="Batcher{TIn, TOut}"/>): one
/// read of all their attempts and tasks, and one rollup of all their jobs, instead of a read and a rollup for each.
/// Every report is still fenced on its own: only the agent's live lease completes its task.
/// </summary>
public sealed partial class AttemptLifecycle
{
    /// <summary>The most completions committed in one transaction.</summary>
    private const int MaxCompletions = 256;

    /// <summary>
    /// The most frames one attempt is credited with (about a year at 30 fps): a count is the agent's word, and a
    /// nonsense one must not overflow the farm's throughput sums (GetQueueStats, the frames metric).
    /// </summary>
    public const long MaxCreditedFrames = 1_000_000_000;

    private Batcher<(string AgentId, TaskCompleted Report), Fence>? _completions;

    /// <summary>
    /// The milliseconds of video an attempt's credited frames cover (GetThroughput's media seconds): the output's duration
    /// when it rendered frames (an audio task or a stitch adds none), bounded like the frames, since it is the agent's word too.
    /// </summary>
    public static long MediaMillis(long frames, OutputInfo? output) =>
        frames <= 0 || output is null || !double.IsFinite(output.DurationSeconds) || output.DurationSeconds <= 0 ? 0
        : (long)Math.Min(output.DurationSeconds * 1000, MaxCreditedFrames * 1000.0);

    public Task<Fence> CompleteAsync(string agentId, TaskCompleted report, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var completions = LazyInitializer.EnsureInitialized(ref _completions, () => new(CompleteManyAsync, MaxCompletions));
        // Not cancellable once queued: a committed completion must be answered to finish what follows it.
        return completions.RunAsync((agentId, report));
    }

    private async Task<IReadOnlyList<Fence>> CompleteManyAsync(IReadOnlyList<(string AgentId, TaskCompleted Report)> reports)
    {
        var now = time.GetUtcNow();
        var accepted = new List<(AttemptRecord Attempt, TaskRecord Task, long Frames)>();
        var probed = new List<(string Key, SourceFacts Facts)>();
        var fences = await store.InTransactionAsync<IReadOnlyList<Fence>>(async tx =>
        {
            accepted.Clear(); // the work may run again before it commits
            probed.Clear();
            var found = new Dictionary<string, (AttemptRecord Attempt, TaskRecord Task)>(
                await tx.FindAttemptsWithTasksAsync(reports.Select(r => r.Report.AttemptId).ToList()), StringComparer.Ordinal);
            var fences = new Fence[reports.Count];
            var results = new Dictionary<string, OutputInfo>(StringComparer.Ordinal);
            for (var i = 0; i < reports.Count; i++)
            {
                var (agentId, report) = reports[i];
                found.TryGetValue(report.AttemptId, out var row);
                var (attempt, task) = row;
                if (attempt is { Outcome: AttemptOutcome.Succeeded } && attempt.AgentId == agentId)
                {
                    fences[i] = Fence.Duplicate;
                    continue;
                }

                if (!IsLiveLease(attempt, agentId))
                {
                    fences[i] = Fence.Stale;
                    continue;
                }

                // The stitch only copies frames the chunks rendered: counting them again would double the farm's throughput.
                var frames = task.Kind == TaskKind.Stitch ? 0 : (long)Math.Min(report.Output?.FrameCount ?? 0, MaxCreditedFrames);
                var ended = attempt! with { Outcome = AttemptOutcome.Succeeded, EndTime = now, Frames = frames, MediaMillis = MediaMillis(frames, report.Output), Timeline = report.Timeline };
                await tx.UpdateAttemptAsync(ended);
                found[report.AttemptId] = (ended, task); // the same report twice in one batch: the second is a duplicate
                var done = task.MoveTo(TaskState.Succeeded) with { NotBefore = null, WaitingFor = TaskWait.None };
                if (task.Kind == TaskKind.Chunk && report.Output is { } chunkOutput)
                {
                    // What the chunk task verified (sha256, size, frames, packet proof) is what the stitch must find again.
                    var work = task.Work.Clone();
                    work.ChunkOutput = chunkOutput;
                    done = done with { Work = work };
                }

                await tx.UpdateTaskAsync(done);
                switch (task.Kind)
                {
                    case TaskKind.Probe:
                        await JobGraph.PlanAsync(tx, task, report.Probe, options.Value.Chunking);
                        break;
                    case TaskKind.Chunk or TaskKind.Audio:
                        await JobGraph.OnPartSucceededAsync(tx, task.JobId);
                        break;
                    case TaskKind.Render or TaskKind.Stitch when report.Output is { } output:
                        results[task.JobId] = output;
                        break;
                }

                // What the agent probed of the input, with the identity of the file it probed, for later tasks on that input.
                if (probedSources is not null && report.ProbedSource is { } facts && Probing.ProbedSources.KeyOf(task.Work, facts) is { } key)
                {
                    await Probing.ProbedSources.RecordAsync(tx, key, facts, now);
                    probed.Add((key, facts));
                }

                accepted.Add((attempt, task, frames));
                fences[i] = Fence.Accepted;
            }

            // Every job completed from is rolled up from one read of them all, after all of the batch's tasks moved.
            await JobRollup.ApplyManyAsync(tx, accepted.Select(a => a.Task.JobId).ToList(), now, results);
            return fences;
        }, CancellationToken.None);

        foreach (var (key, facts) in probed) probedSources!.Remember(key, facts);
        foreach (var (attempt, task, frames) in accepted)
        {
            _started.TryRemove(attempt.Id, out _);
            progress.Clear(task.Id);
            metrics.AttemptSucceeded(task.Work.Settings?.Preset ?? Preset.Unspecified, now - attempt.StartTime, (ulong)frames);
        }

        if (accepted.Count > 0) signals.WorkAvailable();
        return fences;
    }
}
