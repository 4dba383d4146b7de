using System.Globalization;
using System.Text;
using FFMpegCore;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// The STITCH task: proves each chunk file is the one its chunk task verified (and decoded in full), joins them with
/// the concat demuxer and stream copy (no re-encoding), muxes the audio encoded once from the whole source, checks the
/// result against what a whole-file render must be (codec, size, colour tags, frame count, duration within one frame,
/// steady timestamps, audio) and proves its video packets are exactly the chunks' (<see cref="JoinProof"/>), so it
/// decodes as they did; then asks to publish, renames it into place, and removes the job's work folder. A plan
/// without chunk proofs (made by an older coordinator) has the joined file decoded in full instead.
/// </summary>
/// <remarks>
/// Files are used open (<see cref="StitchFiles"/>): each chunk, the audio and the source are opened once, and ffmpeg
/// and ffprobe read those open files through links in a scratch folder of the agent's own whose targets are their
/// <c>/proc/PID/fd/N</c> names; the joined file is renamed by name from the scratch folder into the open output folder,
/// and the work folder is removed by name inside the open folder that holds it (links removed, never followed).
/// </remarks>
public sealed class StitchPipeline(RenderPipelineOptions? options = null)
{
    private readonly RenderPipelineOptions _options = options ?? new RenderPipelineOptions();

    public async Task<OutputInfo> RunAsync(StitchRequest request, Action<RenderProgress> onProgress, Action<string> onLog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onProgress);
        ArgumentNullException.ThrowIfNull(onLog);
        void Step(string text) => onLog(RenderPipeline.StepPrefix + text);
        var ff = new FFOptions { BinaryFolder = _options.BinaryFolder };
        StitchFiles? opened = null;
        MediaDirectory? scratch = null;
        var scratchName = RenderPipeline.ScratchPrefix + AttemptNames.Safe(request.AttemptId);
        try
        {
            Step($"stitch {request.Chunks.Count} chunk(s){(request.AudioPath is null ? "" : " + audio")} -> {request.OutputPath}");
            var files = request.Files ?? (opened = StitchFiles.OpenLocal(request));
            if (await Adoption.TryAsync(files.OutputFolder, files.OutputName, request.OutputPath, request.Published, cancellationToken).ConfigureAwait(false) is { } adopted)
            {
                Step($"adopted {request.OutputPath}: attempt {request.Published!.AttemptId} of this task published it ({adopted.SizeBytes} bytes, sha256 {adopted.Sha256})");
                onProgress(new RenderProgress(100, 0, 0, 0));
                return adopted;
            }

            if (!request.Overwrite && files.OutputFolder.Contains(files.OutputName))
            {
                throw new RenderFailedException(FailureClass.BadInput, $"output {Path.GetFileName(request.OutputPath)} already exists; set overwrite to replace it");
            }

            RefuseOutputIsSource(files);
            var proven = request.Proven;
            if (proven)
            {
                await JoinProof.CheckChunkFilesAsync(files.Chunks, request.ChunkOutputs!, cancellationToken).ConfigureAwait(false);
                Step($"{request.Chunks.Count} chunk file(s) are as verified (sha256, size, shared parameter sets)");
            }

            var expect = await ExpectAsync(request, files, ff, cancellationToken).ConfigureAwait(false);
            (double, double) sourceEnd;
            if (request.SourceEnd is { } known)
            {
                sourceEnd = (known.LastFrame + known.LastStep, known.LastStep);
            }
            else
            {
                using var sourceLink = new ProbeLink(files.Source);
                sourceEnd = SourceEnd(await StreamChecks.VideoFramesAsync(sourceLink.Path, cancellationToken, ff).ConfigureAwait(false));
            }

            var extension = Path.GetExtension(request.OutputPath).ToLowerInvariant();
            files.OutputFolder.DeleteTree(scratchName);
            scratch = files.OutputFolder.CreateDirectory(scratchName);
            var list = new StringBuilder("ffconcat version 1.0\n");
            for (var i = 0; i < request.Chunks.Count; i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"chunk-{i:D4}{MediaProbe.SafeExtension(request.Chunks[i])}");
                scratch.CreateLink(name, files.Chunks[i].ProcessPath);
                list.Append("file ").Append(name).Append('\n');
                if (i < request.ChunkDurations.Count && request.ChunkDurations[i] > 0)
                {
                    list.Append("duration ").Append(request.ChunkDurations[i].ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
                }
            }

            await File.WriteAllTextAsync(Path.Combine(scratch.ProcessPath, "chunks.ffconcat"), list.ToString(), cancellationToken).ConfigureAwait(false);
            var audioName = files.Audio is null ? null : "audio" + MediaProbe.SafeExtension(request.AudioPath ?? files.Audio.Name);
            if (audioName is not null) scratch.CreateLink(audioName, files.Audio!.ProcessPath);

            var outputName = "output" + extension;
            await JoinAsync(request, scratch.ProcessPath, audioName, outputName, extension, onLog, ff, cancellationToken).ConfigureAwait(false);
            onProgress(new RenderProgress(50, 0, 0, 0));
            var rendered = Path.Combine(scratch.ProcessPath, outputName);
            var info = await VerifyAsync(rendered, expect, sourceEnd, request, files, ff, _options.Threads, cancellationToken).ConfigureAwait(false);
            Step($"verified {info.VideoCodec} {info.Width}x{info.Height}, {info.FrameCount} frames, {info.DurationSeconds:0.###} s, steady timestamps, " +
                (proven ? "packets identical to the verified chunks" : "clean decode"));
            info.Sha256 = await RenderPipeline.Sha256Async(rendered, cancellationToken).ConfigureAwait(false);
            info.Path = request.OutputPath;
            cancellationToken.ThrowIfCancellationRequested();
            if (request.Deliver is { } deliver)
            {
                info.Path = await deliver(rendered, info, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (request.ConfirmPublish is { } confirm)
                {
                    if (await confirm(info, cancellationToken).ConfigureAwait(false) is { } refused) throw new PublishRefusedException(refused);
                    Step("the coordinator granted publishing (live lease)");
                }

                OutputPlace.Publish(scratch, outputName, files.OutputFolder, files.OutputName, request.Overwrite, "joining");
            }

            Step($"published {info.Path} (sha256 {info.Sha256})");
            onProgress(new RenderProgress(100, 0, 0, (long)info.FrameCount));
            if (files.WorkFolder is { } work && TryDelete(work.Folder, work.Name))
            {
                Step("removed the job's work folder");
            }

            return info;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RenderFailedException(FailureClass.Transient, $"I/O error: {ex.Message}", inner: ex);
        }
        finally
        {
            if (scratch is not null)
            {
                TryDelete((request.Files ?? opened)!.OutputFolder, scratchName);
                scratch.Dispose();
            }

            opened?.Dispose();
        }
    }

    /// <summary>The joined file may never replace the job's source: an existing output is compared by identity (device and inode).</summary>
    private static void RefuseOutputIsSource(StitchFiles files)
    {
        if (OutputPlace.Existing(files.OutputFolder, files.OutputName) != files.Source.Identity) return;
        throw new RenderFailedException(FailureClass.BadInput,
            $"output {files.OutputName} is the job's own input file (the same file under another name or through a link); choose another output");
    }

    /// <summary>What a whole-file render of the job must look like, from the source and the settings.</summary>
    private static async Task<RenderExpectations> ExpectAsync(StitchRequest request, StitchFiles files, FFOptions ff, CancellationToken cancellationToken)
    {
        try
        {
            // The probe's facts stand for the source unless it is not exactly the file that was probed.
            var source = ProbeReuse.Describes(request.Source, files.Source, request.SourceSha256)
                ? request.Source!.ToSourceInfo()
                : await MediaProbe.ProbeAsync(files.Source, cancellationToken, ffOptions: ff).ConfigureAwait(false);
            var settings = request.Settings;
            if (request.AudioPath is null)
            {
                settings = settings.Clone();
                settings.AudioCodec = AudioCodec.None;
            }

            return RenderCommandBuilder.Build(settings, request.Grade, request.HasLut, source, Path.GetExtension(request.OutputPath)).Expect;
        }
        catch (MediaProbeException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, $"input {ex.Message}", inner: ex);
        }
        catch (RenderSettingsException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, ex.Message, inner: ex);
        }
    }

    private async Task JoinAsync(
        StitchRequest request, string scratch, string? audioName, string outputName, string extension, Action<string> onLog, FFOptions ff, CancellationToken cancellationToken)
    {
        var args = new List<string> { "-map", "0:v:0" };
        if (audioName is not null) args.AddRange(["-map", "1:a:0"]);
        args.AddRange(["-c", "copy", "-map_metadata", "-1", "-map_chapters", "-1"]);
        if (PresetCatalog.TryGet(request.Settings.Preset, out var preset) && preset.VideoEncoder == "libx265" && extension is ".mp4" or ".m4v" or ".mov")
        {
            args.AddRange(["-tag:v", "hvc1"]);
        }

        args.AddRange(PresetEncoding.ContainerArguments(extension));
        var log = new FfmpegLog(_options.LogTailLines);
        // With proven chunks (one set of parameter sets, shared by all) the packets are copied as they are; the concat
        // demuxer's automatic conversion would otherwise repeat the parameter sets inside each chunk's first packet.
        var concat = request.Proven ? "-auto_convert 0 -f concat" : "-f concat";
        var arguments = FFMpegArguments.FromFileInput("chunks.ffconcat", verifyExists: false, o => o.WithCustomArgument(concat));
        if (audioName is not null) arguments = arguments.AddFileInput(audioName, verifyExists: false);
        var processor = arguments
            .OutputToFile(outputName, overwrite: true, o => o.WithCustomArgument(RenderCommand.Join(args)))
            .NotifyOnStandardError(line =>
            {
                onLog(line);
                log.Add(line);
            })
            .CancellableThrough(cancellationToken, _options.CancelGracePeriod);
        var runOptions = new FFOptions { WorkingDirectory = scratch, BinaryFolder = _options.RenderBinaryFolder ?? _options.BinaryFolder };
        onLog($"{RenderPipeline.StepPrefix}{GlobalFFOptions.GetFFMpegBinaryPath(runOptions)} {processor.Arguments}");
        var result = await processor.ProcessAsynchronously(throwOnError: false, runOptions).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Cancelled) throw new OperationCanceledException("ffmpeg was stopped", cancellationToken);
        if (!result.Success)
        {
            var tail = log.Tail;
            var lastLine = tail.Split('\n').LastOrDefault(l => !l.StartsWith("frame=", StringComparison.Ordinal)) ?? string.Empty;
            throw new RenderFailedException(FailureClass.Transient, $"joining the chunks failed, ffmpeg exited with code {result.ExitCode}: {lastLine}", result.ExitCode, tail);
        }
    }

    /// <summary>When the source's last frame ends (its time plus the step before it), and that step.</summary>
    private static (double End, double LastStep) SourceEnd(IReadOnlyList<(double Time, bool Key)> frames)
    {
        var step = frames.Count > 1 ? frames[^1].Time - frames[^2].Time : 0;
        return (frames[^1].Time + step, step);
    }

    private static async Task<OutputInfo> VerifyAsync(
        string rendered, RenderExpectations expect, (double End, double LastStep) source, StitchRequest request, StitchFiles files, FFOptions ff, int threads,
        CancellationToken cancellationToken)
    {
        var expectedFrames = request.ExpectedFrames;
        try
        {
            var info = await OutputVerifier.VerifyAsync(rendered, expect, cancellationToken, ff).ConfigureAwait(false);
            if (expectedFrames > 0 && (long)info.FrameCount != expectedFrames)
            {
                throw new OutputVerificationException($"the joined video has {info.FrameCount} frames, its chunks {expectedFrames}");
            }

            // The source lasts its stream duration or until its last frame ends (containers disagree on the last frame of
            // variable-rate video); the joined file must end within one frame (the output's or the source's last) of either.
            var frame = Math.Max(expect.ConstantRate?.FrameSeconds ?? 0, source.LastStep);
            var drift = Math.Min(Math.Abs(info.DurationSeconds - expect.SourceDuration.TotalSeconds), Math.Abs(info.DurationSeconds - source.End));
            if (drift > frame + 0.001)
            {
                throw new OutputVerificationException(string.Create(CultureInfo.InvariantCulture,
                    $"the joined video lasts {info.DurationSeconds:0.####} s, the source {expect.SourceDuration.TotalSeconds:0.####} s: more than one frame apart"));
            }

            var packets = await VideoPackets.ReadAsync(rendered, cancellationToken, ff).ConfigureAwait(false);
            var unsteady = StreamChecks.Unsteady(packets.SortedPts(), expect.ConstantRate is not null);
            if (unsteady is not null) throw new OutputVerificationException($"the joined video's timestamps are not steady: {unsteady}");
            if (expect.HasAudio && packets.Audio is { } a && Math.Abs(a.Seconds - expect.SourceDuration.TotalSeconds) > ChunkVerifier.AudioTolerance.TotalSeconds)
            {
                throw new OutputVerificationException(string.Create(CultureInfo.InvariantCulture, $"the audio lasts {a.Seconds:0.###} s, the video {info.DurationSeconds:0.###} s"));
            }

            if (request.Proven)
            {
                // Every chunk decoded cleanly in its own task; the joined video is exactly their packets with the same
                // parameter sets, each chunk starting at a keyframe of a closed GOP: it decodes as they did.
                JoinProof.CheckPackets(packets, request.ChunkOutputs!);
                return info;
            }

            // A plan without chunk proofs: the one full decode of the job's video proves every chunk and the seams.
            var errors = await StreamChecks.DecodeErrorsAsync(rendered, cancellationToken, ff, threads).ConfigureAwait(false);
            if (errors.Length > 0) throw new OutputVerificationException($"the joined file does not decode cleanly: {errors.Split('\n')[0]}");
            return info;
        }
        catch (OutputVerificationException ex)
        {
            // With proofs the chunk files were shown to be the verified ones before the join: the join is at fault, and
            // the stitch retries. Without, a chunk damaged after its own check shows up here as decode errors, missing
            // frames or a short duration: decode each chunk to name it, so that it renders again.
            if (request.Proven) throw new RenderFailedException(FailureClass.Transient, ex.Message, inner: ex);
            var damaged = await DamagedChunksAsync(files.Chunks, ff, threads, cancellationToken).ConfigureAwait(false);
            if (damaged.Count > 0)
            {
                throw new RenderFailedException(FailureClass.Transient,
                    $"chunk(s) {string.Join(", ", damaged.Select(d => d.Index + 1))} do not decode cleanly ({damaged[0].Error}); {ex.Message}", inner: ex)
                {
                    DamagedChunks = damaged.Select(d => d.Index).ToList(),
                };
            }

            throw new RenderFailedException(FailureClass.Transient, ex.Message, inner: ex);
        }
    }

    /// <summary>
    /// Decodes each chunk on its own (only for a plan without chunk proofs, when the joined file fails its checks) to
    /// name the damaged ones, with the first complaint about the first of them.
    /// </summary>
    private static async Task<List<(uint Index, string Error)>> DamagedChunksAsync(IReadOnlyList<MediaFile> chunks, FFOptions ff, int threads, CancellationToken cancellationToken)
    {
        var damaged = new List<(uint, string)>();
        for (var i = 0; i < chunks.Count; i++)
        {
            using var link = new ProbeLink(chunks[i]);
            var errors = await StreamChecks.DecodeErrorsAsync(link.Path, cancellationToken, ff, threads).ConfigureAwait(false);
            if (errors.Length > 0) damaged.Add(((uint)i, errors.Split('\n')[0]));
        }

        return damaged;
    }

    /// <summary>Removes <paramref name="name"/> inside the open <paramref name="folder"/> (links in it removed, never followed); best effort.</summary>
    private static bool TryDelete(MediaDirectory folder, string name)
    {
        try
        {
            return folder.DeleteTree(name);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the coordinator removes a job's work folder again when the job ends.
            return false;
        }
    }
}
