using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Link;
using RenderFarm.Agent.Logs;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// Runs the attempts the coordinator assigns, each on its own task with its own log, and reports how they end.
/// Work keeps running while the link to the coordinator is down; cancel and drop stop ffmpeg and publish nothing.
/// While the agent drains, new assignments are answered <see cref="FailureClass.Interrupted"/> at once, and
/// attempts it interrupts are reported so.
/// </summary>
public sealed class AttemptRunner(
    RenderPipeline pipeline,
    StitchPipeline stitcher,
    AgentOutbox outbox,
    AttemptLogs logs,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<AttemptRunner> logger,
    PublishPermits? permits = null,
    TransferWorkspace? transfers = null,
    Observability.AgentMetrics? metrics = null)
{
    /// <summary>The message an assignment gets when it arrives while the agent drains.</summary>
    public const string ShuttingDown = "agent is shutting down";

    private readonly ConcurrentDictionary<string, Running> _running = new();
    private readonly AgentMediaRoots _roots = new(options.Value.MediaRoots);
    private readonly Lock _gate = new();
    private volatile string? _drainReason;

    private sealed class Running(Assignment work, PhaseClock phases)
    {
        public Assignment Work { get; } = work;

        /// <summary>The attempt's task timeline on this agent, from the moment its assignment arrived.</summary>
        public PhaseClock Phases { get; } = phases;

        public CancellationTokenSource Stop { get; } = new();

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile string? StopReason;

        public volatile string? InterruptReason;

        private int _slotReturned;

        /// <summary>True the first time only: the attempt's slot is given back once, when its ffmpeg ends or when it ends.</summary>
        public bool TakeSlotBack() => Interlocked.Exchange(ref _slotReturned, 1) == 0;
    }

    public IReadOnlyCollection<string> RunningAttemptIds => _running.Keys.ToList();

    public int FreeSlots => Math.Max(0, options.Value.Slots - _running.Count);

    /// <summary>The media roots this agent mounts; none in transfer mode.</summary>
    public IEnumerable<string> MediaRootNames => transfers is null ? _roots.Names : [];

    /// <summary>Why the agent drains; null while it takes work.</summary>
    public string? DrainReason => _drainReason;

    public bool IsDraining => _drainReason is not null;

    /// <summary>Takes no new work from now on; once this returns, no attempt starts any more.</summary>
    public void BeginDrain(string reason)
    {
        lock (_gate) _drainReason ??= reason;
    }

    public void Start(Assignment work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var phases = new PhaseClock(time);
        phases.Mark("received");
        var running = new Running(work, phases);
        lock (_gate)
        {
            if (IsDraining)
            {
                Log.Refused(logger, work.AttemptId);
                running.Stop.Dispose();
                outbox.Post(Failure(work.AttemptId, FailureClass.Interrupted, ShuttingDown, 0, ""));
                outbox.Post(SlotFreed(work.AttemptId));
                return;
            }

            if (!_running.TryAdd(work.AttemptId, running))
            {
                Log.DuplicateAssignment(logger, work.AttemptId);
                running.Stop.Dispose();
                return;
            }
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(running);
            }
            finally
            {
                running.Done.SetResult();
            }
        });
    }

    /// <summary>Stops an attempt (canceled, or no longer ours). Nothing is published and no report is sent.</summary>
    public void Stop(string attemptId, string reason)
    {
        if (_running.TryGetValue(attemptId, out var running))
        {
            Log.Stopping(logger, attemptId, reason);
            running.StopReason ??= reason;
            Cancel(running);
        }
    }

    /// <summary>Stops every running attempt and reports each as <see cref="FailureClass.Interrupted"/> with <paramref name="reason"/>.</summary>
    public void InterruptAll(string reason)
    {
        foreach (var running in _running.Values)
        {
            Log.Interrupting(logger, running.Work.AttemptId, reason);
            running.InterruptReason ??= reason;
            Cancel(running);
        }
    }

    /// <summary>Waits for every running attempt to end.</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_running.Values.Select(r => r.Done.Task));

    private static void Cancel(Running running)
    {
        try
        {
            running.Stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It has just ended.
        }
    }

    private async Task RunAsync(Running running)
    {
        var work = running.Work;
        var cancellationToken = running.Stop.Token;
        var phases = running.Phases;
        var log = logs.Open(work.AttemptId);
        ConnectRequest? report = null;
        Log.Starting(logger, work.AttemptId, work.JobId);
        log.Append($"{RenderPipeline.StepPrefix}attempt {work.AttemptId} of task {work.TaskId}, job {work.JobId}, on agent {options.Value.Name}");
        TransferWorkspace.Prepared? prepared = null;
        var outcome = "failed";
        var workStarted = time.GetTimestamp();
        ulong frames = 0;
        try
        {
            var throttle = new ProgressThrottle(time, TimeSpan.FromSeconds(1 / options.Value.ProgressRate));
            void OnProgress(RenderProgress p)
            {
                if (!throttle.ShouldSend(p.Percent)) return;
                outbox.Post(new ConnectRequest
                {
                    Progress = new TaskProgress { AttemptId = work.AttemptId, Percent = p.Percent, Fps = p.Fps, Speed = p.Speed, Frames = (ulong)Math.Max(0, p.Frames) },
                });
            }

            var completed = new TaskCompleted { AttemptId = work.AttemptId };
            if (transfers is not null)
            {
                // Transfer mode: the task's files come down as blobs; what it writes goes up.
                using var downloading = phases.Measure("download");
                prepared = await transfers.PrepareAsync(work, text => log.Append(RenderPipeline.StepPrefix + text), OnProgress, cancellationToken);
                workStarted = time.GetTimestamp();
            }

            switch (work.Kind)
            {
                case TaskKind.Probe when prepared is not null:
                    using (phases.Measure("probe"))
                    {
                        completed.Probe = await ProbeRunner.RunAsync(prepared.InputPath, work.Output.Path, work.Settings, work.Grade,
                            work.Lut is { Root.Length: > 0 }, log.Append, cancellationToken);
                    }

                    KeepProbe(completed, prepared.InputSha256 is not null && completed.Probe.Source is { } probedFacts
                        ? probedFacts.Clone() : null, prepared.InputSha256);
                    break;
                case TaskKind.Probe:
                    using (phases.Measure("probe"))
                    using (var input = _roots.OpenFile(work.Input, "input"))
                    {
                        var before = input.Stamp();
                        var started = TimeProvider.System.GetUtcNow(); // compared with file times, which are the kernel's real clock
                        completed.Probe = await ProbeRunner.RunAsync(input, work.Output.Path, work.Settings, work.Grade,
                            work.Lut is { Root.Length: > 0 }, log.Append, cancellationToken);
                        KeepProbe(completed, completed.Probe.Source is { } facts ? ProbeReuse.Stamp(facts, before, input.Stamp(), started, null) : null, null);
                    }

                    break;
                case TaskKind.Stitch when prepared is not null:
                    using (phases.Measure("stitch")) completed.Output = await stitcher.RunAsync(prepared.Stitch!, OnProgress, log.Append, cancellationToken);
                    break;
                case TaskKind.Stitch:
                    StitchRequest stitch;
                    using (phases.Measure("open")) stitch = ResolveStitch(work);
                    using (phases.Measure("stitch"))
                    using (stitch.Files)
                    {
                        completed.Output = await stitcher.RunAsync(stitch, OnProgress, log.Append, cancellationToken);
                    }

                    break;
                default:
                    RenderRequest request;
                    if (prepared?.Request is { } transferred)
                    {
                        request = transferred with { Phases = phases, Probed = facts => completed.ProbedSource = facts };
                    }
                    else
                    {
                        // The slot goes back when ffmpeg ends: the coordinator sends the next task while this one is
                        // verified and published (on shared storage; an upload in transfer mode keeps it to the end).
                        using (phases.Measure("open")) request = Resolve(work, phases, () => ReturnSlot(running, early: true)) with { Probed = facts => completed.ProbedSource = facts };
                    }

                    using (prepared?.Request is null ? request.Files : null)
                    {
                        completed.Output = await pipeline.RunAsync(request, OnProgress, log.Append, cancellationToken);
                    }

                    break;
            }

            phases.Mark("reported");
            completed.Timeline = phases.ToTimeline();
            report = new ConnectRequest { Completed = completed };
            outcome = "succeeded";
            // Frames are counted where they are encoded: renders and chunks (a stitch joins frames already counted).
            if (work.Kind is TaskKind.Unspecified or TaskKind.Render or TaskKind.Chunk) frames = completed.Output?.FrameCount ?? 0;
            log.Append($"{RenderPipeline.StepPrefix}completed");
            Log.Finished(logger, work.AttemptId, completed.Output?.Path ?? "(probe)");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = running.InterruptReason is null ? "stopped" : "interrupted";
            if (running.InterruptReason is { } reason)
            {
                Log.Interrupted(logger, work.AttemptId, reason);
                log.Append($"{RenderPipeline.StepPrefix}interrupted: {reason}");
                report = Failure(work.AttemptId, FailureClass.Interrupted, reason, 0, "");
            }
            else
            {
                Log.Stopped(logger, work.AttemptId);
                log.Append($"{RenderPipeline.StepPrefix}stopped: {running.StopReason}; nothing was published");
            }
        }
        catch (PublishRefusedException refused)
        {
            outcome = "stopped";
            Log.Stopped(logger, work.AttemptId);
            log.Append($"{RenderPipeline.StepPrefix}{refused.Message}; nothing was published");
        }
        catch (RenderFailedException failed)
        {
            Log.Failed(logger, work.AttemptId, failed.FailureClass, failed.Message);
            log.Append($"{RenderPipeline.StepPrefix}failed ({failed.FailureClass}): {failed.Message}");
            report = Failure(work.AttemptId, failed.FailureClass, failed.Message, failed.ExitCode, failed.LogTail);
            report.Failed.DamagedChunks.AddRange(failed.DamagedChunks);
        }
        catch (Exception ex)
        {
            Log.Crashed(logger, ex, work.AttemptId);
            log.Append($"{RenderPipeline.StepPrefix}agent error: {ex.Message}");
            report = Failure(work.AttemptId, FailureClass.Transient, $"agent error: {ex.Message}", 0, "");
        }
        finally
        {
            metrics?.AttemptEnded(work.Kind, outcome, time.GetElapsedTime(workStarted).TotalSeconds, frames);
            prepared?.Dispose();
            log.Complete(report);
            lock (_gate)
            {
                if (_running.TryRemove(work.AttemptId, out var done)) done.Stop.Dispose();
            }

            ReturnSlot(running);
        }
    }

    private void ReturnSlot(Running running, bool early = false)
    {
        if (!running.TakeSlotBack()) return;
        if (early) Log.SlotReturned(logger, running.Work.AttemptId);
        outbox.Post(SlotFreed(running.Work.AttemptId));
    }

    /// <summary>Credit back for the slot <paramref name="attemptId"/> held; it names the attempt, so the coordinator can never count it twice.</summary>
    private static ConnectRequest SlotFreed(string attemptId) => new() { Slots = new SlotsAvailable { FreedSlots = 1, AttemptId = attemptId } };

    /// <summary>
    /// Opens a render, chunk or audio task's files beneath this agent's media roots: the input and the LUT once, and
    /// the output's folder (made when missing); the request carries them open, and its paths only name them.
    /// </summary>
    private RenderRequest Resolve(Assignment work, PhaseClock phases, Action rendered)
    {
        var files = OpenRenderFiles(work);
        return new RenderRequest(work.AttemptId, _roots.Describe(work.Input), _roots.Describe(work.Output),
            work.Lut is { Root.Length: > 0 } ? _roots.Describe(work.Lut) : null, work.Settings, work.Grade, work.Overwrite,
            permits is null ? null : (output, ct) => permits.AskAsync(work.AttemptId, output, ct), work.EndedAttemptIds,
            Chunk: work.Kind == TaskKind.Chunk ? work.Chunk : null, AudioOnly: work.Kind == TaskKind.Audio,
            FinalOutputPath: work.FinalOutput is { Root.Length: > 0 } ? _roots.Describe(work.FinalOutput) : null, Files: files, Published: work.Published,
            Phases: phases, KnownSource: work.KnownSource, Rendered: rendered);
    }

    /// <summary>
    /// A probe task's facts, stamped with the identity of the file it probed, go to the chunks, audio and stitch of its job
    /// (<see cref="ProbeResult.Source"/>) and to the coordinator for later tasks on the input; unstamped facts (the file
    /// changed while or just before it was probed) are never reused.
    /// </summary>
    private static void KeepProbe(TaskCompleted completed, SourceFacts? stamped, string? sha256)
    {
        if (stamped is null) return;
        if (sha256 is not null) stamped.Stamp = new SourceStamp { Sha256 = sha256 };
        completed.Probe.Source = stamped;
        completed.ProbedSource = stamped;
    }

    private RenderFiles OpenRenderFiles(Assignment work)
    {
        var opened = new List<IDisposable>();
        try
        {
            var input = Keep(opened, _roots.OpenFile(work.Input, "input"));
            var lut = work.Lut is { Root.Length: > 0 } ? Keep(opened, _roots.OpenFile(work.Lut, "LUT")) : null;
            var (folder, name) = _roots.OpenParent(work.Output, "output");
            return new RenderFiles(input, lut, folder, name);
        }
        catch
        {
            foreach (var file in opened) file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a stitch's files beneath this agent's media roots: the source, every chunk and the audio once, the output's
    /// folder, and the folder holding the job's work folder (removed by name in it once the output is published).
    /// </summary>
    private StitchRequest ResolveStitch(Assignment work)
    {
        var plan = work.Stitch ?? throw new RenderFailedException(FailureClass.BadInput, "the stitch task names no chunks", 0, "");
        var opened = new List<IDisposable>();
        try
        {
            var source = Keep(opened, _roots.OpenFile(work.Input, "input"));
            var chunks = plan.Chunks.Select(c => Keep(opened, _roots.OpenFile(c, "chunk", FailureClass.Transient))).ToList();
            var audio = plan.Audio is { Root.Length: > 0 } ? Keep(opened, _roots.OpenFile(plan.Audio, "audio", FailureClass.Transient)) : null;
            var (folder, name) = _roots.OpenParent(work.Output, "output");
            opened.Add(folder);
            (MediaDirectory Folder, string Name)? workFolder = null;
            if (plan.WorkFolder is { Root.Length: > 0 })
            {
                workFolder = _roots.OpenParent(plan.WorkFolder, "work folder");
                opened.Add(workFolder.Value.Folder);
            }

            var files = new StitchFiles(source, chunks, audio, folder, name, workFolder);
            return new StitchRequest(work.AttemptId, _roots.Describe(work.Input), _roots.Describe(work.Output), plan.Chunks.Select(_roots.Describe).ToList(),
                plan.ChunkDurations.ToList(), plan.Audio is { Root.Length: > 0 } ? _roots.Describe(plan.Audio) : null, (long)plan.ExpectedFrames,
                plan.WorkFolder is { Root.Length: > 0 } ? _roots.Describe(plan.WorkFolder) : null,
                work.Settings, work.Grade, work.Lut is { Root.Length: > 0 }, work.Overwrite,
                permits is null ? null : (output, ct) => permits.AskAsync(work.AttemptId, output, ct),
                plan.SourceLastFrameSeconds > 0 ? (plan.SourceLastFrameSeconds, plan.SourceLastStepSeconds) : null,
                ChunkOutputs: plan.ChunkOutputs, Source: plan.Source, Files: files, Published: work.Published);
        }
        catch
        {
            foreach (var file in opened) file.Dispose();
            throw;
        }
    }

    private static T Keep<T>(List<IDisposable> opened, T item)
        where T : IDisposable
    {
        opened.Add(item);
        return item;
    }

    private static ConnectRequest Failure(string attemptId, FailureClass failureClass, string message, int exitCode, string logTail) => new()
    {
        Failed = new TaskFailed { AttemptId = attemptId, FailureClass = failureClass, Message = message, ExitCode = exitCode, LogTail = logTail },
    };
}
