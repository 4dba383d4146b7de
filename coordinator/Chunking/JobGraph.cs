using System.Globalization;
using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Chunking;

/// <summary>
/// The task graph of a split-and-stitch job: probe -> chunks + audio -> stitch. Every move runs inside the store
/// transaction that caused it: the probe's result becomes the plan, the last chunk or audio to finish releases the
/// stitch, a task that fails for good cancels its siblings, and a retry starts the chunks over.
/// </summary>
internal static class JobGraph
{
    /// <summary>Turns a finished probe into the job's next tasks: one whole-file render, or chunks, audio and a stitch.</summary>
    public static async Task PlanAsync(IJobTransaction tx, TaskRecord probeTask, ProbeResult? probe, ChunkingOptions options)
    {
        var job = await tx.FindJobAsync(probeTask.JobId) ?? throw new JobNotFoundException(probeTask.JobId);
        var siblings = await tx.GetTasksAsync(job.Id);
        if (siblings.Any(t => t.Kind != TaskKind.Probe)) return;
        var blocked = siblings.SelectMany(t => t.BlockedAgents).Distinct().ToList();
        var target = job.Spec.ChunkDuration is { } d && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : options.ChunkDuration;
        var chunks = probe is null ? null : ChunkPlanner.Plan(probe, target, options.MinInputDuration, options.MaxChunks);
        TaskRecord New(string id, Assignment work, TaskState state = TaskState.Queued, TaskWait wait = TaskWait.None)
        {
            work.TaskId = id;
            work.AttemptId = "";
            work.EndedAttemptIds.Clear();
            return probeTask with
            {
                Id = id, State = state, Work = work, FailedAttempts = 0, LostAttempts = 0, NotBefore = null, WaitingFor = wait, BlockedAgents = blocked,
            };
        }

        if (chunks is null)
        {
            var whole = probeTask.Work.Clone();
            whole.Kind = TaskKind.Render;
            await tx.InsertTaskAsync(New(Ids.TaskId(job.Id, 1), whole));
            return;
        }

        PieceBounds.Apply(chunks, probe!);
        PresetCatalog.TryGet(probeTask.Work.Settings.Preset, out var preset);
        var folder = WorkFolders.For(job.Id, probeTask.Work.Output);
        var stitch = new StitchPlan
        {
            WorkFolder = folder, SourceLastFrameSeconds = probe!.LastFrameSeconds, SourceLastStepSeconds = probe.LastStepSeconds, Source = probe.Source,
        };
        foreach (var chunk in chunks)
        {
            var work = probeTask.Work.Clone();
            work.Kind = TaskKind.Chunk;
            work.Chunk = chunk;
            if (probe!.Source is { } source) chunk.Source = source;
            work.FinalOutput = probeTask.Work.Output;
            work.Output = WorkFolders.File(folder, string.Create(CultureInfo.InvariantCulture, $"chunk-{chunk.Index:D4}{preset!.ChunkExtension}"));
            work.Overwrite = true;
            stitch.Chunks.Add(work.Output);
            stitch.ChunkDurations.Add(chunk.Last ? 0 : chunk.DurationSeconds);
            await tx.InsertTaskAsync(New(ChunkTaskId(job.Id, (int)chunk.Index), work));
        }

        if (probe!.HasAudio)
        {
            var audio = probeTask.Work.Clone();
            audio.Kind = TaskKind.Audio;
            audio.FinalOutput = probeTask.Work.Output;
            audio.Output = WorkFolders.File(folder, "audio" + AudioExtension(preset!, audio.Settings.AudioCodec));
            audio.Overwrite = true;
            audio.WeightFrames = (ulong)Math.Max(0, Math.Round(probe.DurationSeconds * options.AudioFramesPerSecond));
            stitch.Audio = audio.Output;
            await tx.InsertTaskAsync(New(job.Id + "-audio", audio));
        }

        var join = probeTask.Work.Clone();
        join.Kind = TaskKind.Stitch;
        join.Stitch = stitch;
        await tx.InsertTaskAsync(New(job.Id + "-stitch", join, TaskState.Waiting, TaskWait.Tasks));
    }

    /// <summary>
    /// A chunk or the audio succeeded: when all of them have, the stitch is queued with the chunks' verified outputs
    /// (what it proves the joined file against) and the frame count they add up to.
    /// </summary>
    public static async Task OnPartSucceededAsync(IJobTransaction tx, string jobId)
    {
        var tasks = await tx.GetTasksAsync(jobId);
        var stitch = tasks.FirstOrDefault(t => t.Kind == TaskKind.Stitch);
        if (stitch is not { State: TaskState.Waiting, WaitingFor: TaskWait.Tasks }) return;
        var parts = tasks.Where(t => t.Kind is TaskKind.Chunk or TaskKind.Audio).ToList();
        if (parts.Any(t => t.State != TaskState.Succeeded)) return;
        var work = stitch.Work.Clone();
        work.Stitch.ChunkOutputs.Clear();
        long frames = 0;
        foreach (var chunk in parts.Where(t => t.Kind == TaskKind.Chunk).OrderBy(t => t.Work.Chunk.Index))
        {
            if (chunk.Work.ChunkOutput is { } output)
            {
                work.Stitch.ChunkOutputs.Add(output);
                frames += (long)output.FrameCount;
                continue;
            }

            // A chunk finished before its task kept its output: its frames come from its attempt, and the plan carries
            // no proofs (the stitch decodes the joined file in full).
            frames += (await tx.GetTaskAttemptsAsync(chunk.Id)).Where(a => a.Outcome == AttemptOutcome.Succeeded).Select(a => a.Frames).LastOrDefault();
        }

        if (work.Stitch.ChunkOutputs.Count != work.Stitch.Chunks.Count) work.Stitch.ChunkOutputs.Clear();
        work.Stitch.ExpectedFrames = (ulong)frames;
        await tx.UpdateTaskAsync(stitch.MoveTo(TaskState.Queued) with { Work = work, WaitingFor = TaskWait.None });
    }

    /// <summary>
    /// The stitch found chunks that do not decode cleanly: those chunks are queued to render again, and the stitch
    /// (its failure counted) waits for them. Returns false when it names no chunk of its job (then it fails as usual).
    /// </summary>
    public static async Task<bool> RenderChunksAgainAsync(IJobTransaction tx, TaskRecord stitch, IReadOnlyList<uint> damaged)
    {
        if (stitch.Kind != TaskKind.Stitch) return false;
        var chunks = (await tx.GetTasksAsync(stitch.JobId))
            .Where(t => t.Kind == TaskKind.Chunk && damaged.Contains(t.Work.Chunk.Index) && t.State == TaskState.Succeeded).ToList();
        if (chunks.Count == 0) return false;
        foreach (var chunk in chunks)
        {
            await tx.UpdateTaskAsync(chunk with { State = TaskState.Queued, WaitingFor = TaskWait.None, NotBefore = null });
        }

        // The files they published are damaged: no later attempt may adopt them as the chunks' own.
        await tx.DeletePublishGrantsAsync(chunks.Select(c => c.Id).ToList());
        await tx.UpdateTaskAsync(stitch with { State = TaskState.Waiting, WaitingFor = TaskWait.Tasks, NotBefore = null });
        return true;
    }

    /// <summary>A task failed for good: every other unfinished task of the job is canceled. Returns the attempts to stop.</summary>
    public static async Task<IReadOnlyList<AttemptRecord>> CancelSiblingsAsync(IJobTransaction tx, TaskRecord failed, DateTimeOffset now)
    {
        var stopped = new List<AttemptRecord>();
        foreach (var task in await tx.GetTasksAsync(failed.JobId))
        {
            if (task.Id == failed.Id || TaskStateMachine.IsTerminal(task.State)) continue;
            foreach (var attempt in await tx.GetRunningAttemptsForTaskAsync(task.Id))
            {
                var canceled = attempt with { Outcome = AttemptOutcome.Canceled, EndTime = now, Error = $"task {failed.Id} of the job failed" };
                await tx.UpdateAttemptAsync(canceled);
                stopped.Add(canceled);
            }

            await tx.UpdateTaskAsync(task.MoveTo(TaskState.Canceled) with { NotBefore = null, WaitingFor = TaskWait.None });
        }

        return stopped;
    }

    /// <summary>
    /// Queues a failed or canceled chunked job again. Its work folder was removed when it ended, so every chunk and
    /// the audio run again and the stitch waits for them; a finished probe is kept.
    /// </summary>
    /// <returns>False when the job is not chunked (its tasks are reset the usual way).</returns>
    public static async Task<bool> ResetForRetryAsync(IJobTransaction tx, IReadOnlyList<TaskRecord> tasks, bool dependenciesMet)
    {
        if (!tasks.Any(t => t.Kind is TaskKind.Chunk or TaskKind.Stitch)) return false;
        foreach (var task in tasks)
        {
            if (task.Kind == TaskKind.Probe && task.State == TaskState.Succeeded) continue;
            var reset = task with { FailedAttempts = 0, LostAttempts = 0, NotBefore = null, BlockedAgents = [] };
            reset = task.Kind == TaskKind.Stitch
                ? reset with { State = TaskState.Waiting, WaitingFor = TaskWait.Tasks }
                : dependenciesMet
                    ? reset with { State = TaskState.Queued, WaitingFor = TaskWait.None }
                    : reset with { State = TaskState.Waiting, WaitingFor = TaskWait.Dependency };
            await tx.UpdateTaskAsync(reset);
        }

        return true;
    }

    public static string ChunkTaskId(string jobId, int index) => string.Create(CultureInfo.InvariantCulture, $"{jobId}-c{index:D4}");

    /// <summary>The audio file's container: M4A for AAC, MOV for PCM, Matroska for Opus.</summary>
    private static string AudioExtension(PresetInfo preset, AudioCodec codec) =>
        (codec == AudioCodec.Unspecified ? preset.DefaultAudio : codec) switch
        {
            AudioCodec.Aac => ".m4a",
            AudioCodec.Opus => ".mka",
            _ => ".mov",
        };
}
