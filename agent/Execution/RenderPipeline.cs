using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FFMpegCore;
using FFMpegCore.Exceptions;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// Renders one request end to end: validate, probe, build the command, run ffmpeg in a scratch folder beside the
/// output, verify, hash, confirm the lease (when the request asks) and publish by an atomic rename. The scratch folder is always removed; a failure carries
/// its <see cref="FailureClass"/>; a cancel throws <see cref="OperationCanceledException"/> and publishes nothing.
/// </summary>
/// <remarks>
/// Files are used open (<see cref="RenderFiles"/>), never by a path looked up again: the input and the LUT are opened
/// once, and that open input is what is probed and rendered (ffmpeg reads it through a link in the scratch folder
/// whose target is the open file's <c>/proc/PID/fd/N</c>); the LUT is parsed from its open file and ffmpeg gets a
/// clean copy; the scratch folder is a new folder of the agent's own (0700) made in the open output folder, ffmpeg
/// runs in it through its <c>/proc</c> name, and publishing renames by name from that folder into the output folder
/// (<c>renameat2</c>, refusing to replace unless the job overwrites).
/// </remarks>
public sealed partial class RenderPipeline(ILogger<RenderPipeline> logger, RenderPipelineOptions? options = null)
{
    /// <summary>Prefix of the scratch folder made beside each output.</summary>
    public const string ScratchPrefix = ".renderfarm-";

    /// <summary>Starts the pipeline's own lines in an attempt log, setting them apart from ffmpeg's.</summary>
    public const string StepPrefix = "[renderfarm] ";

    private readonly RenderPipelineOptions _options = options ?? new RenderPipelineOptions();

    public Task<OutputInfo> RunAsync(RenderRequest request, Action<RenderProgress> onProgress, CancellationToken cancellationToken) =>
        RunAsync(request, onProgress, _ => { }, cancellationToken);

    /// <param name="request">What to render.</param>
    /// <param name="onProgress">Called with each statistics update and once at 100 % when published.</param>
    /// <param name="onLog">Called with every ffmpeg stderr line, the ffmpeg command and the pipeline's own steps (prefixed <see cref="StepPrefix"/>).</param>
    /// <param name="cancellationToken">Stops ffmpeg and publishes nothing.</param>
    public async Task<OutputInfo> RunAsync(RenderRequest request, Action<RenderProgress> onProgress, Action<string> onLog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onProgress);
        ArgumentNullException.ThrowIfNull(onLog);
        var started = Stopwatch.GetTimestamp();
        RenderFiles? opened = null;
        MediaDirectory? scratch = null;
        var scratchName = ScratchPrefix + AttemptNames.Safe(request.AttemptId);
        void Step(string text) => onLog(StepPrefix + text);
        var phases = request.Phases ?? new PhaseClock(TimeProvider.System);
        try
        {
            Step($"render {request.InputPath} -> {request.OutputPath}");
            var files = request.Files;
            if (files is null)
            {
                using (phases.Measure("open")) files = opened = RenderFiles.OpenLocal(request);
            }

            OutputInfo? adopted;
            using (phases.Measure("adopt-check")) adopted = await AdoptAsync(request, files, Step, cancellationToken).ConfigureAwait(false);
            if (adopted is not null)
            {
                onProgress(new RenderProgress(100, 0, 0, (long)adopted.FrameCount));
                return adopted;
            }

            var ffOptions = new FFOptions { BinaryFolder = _options.BinaryFolder };
            var (source, lut, reused) = await ValidateAsync(request, files, ffOptions, phases, logger, cancellationToken).ConfigureAwait(false);
            Step((reused ? "not probed again (the open input is the file probed before: same size, mtime and ctime, or content): " : "") + Describe(source));
            RenderCommand command;
            using (phases.Measure("scratch"))
            {
                command = Build(request, source, lut is not null);
                RemoveLeftovers(request, files.OutputFolder, Step);
                scratch = MakeScratch(files.OutputFolder, scratchName);
                scratch.CreateLink(command.InputFileName, files.Input.ProcessPath);
                lut?.WriteCanonical(Path.Combine(scratch.ProcessPath, RenderCommandBuilder.LutFileName));
            }

            Step($"scratch folder {scratch.Name}");
            string? inputDamage;
            long encodedFrames;
            using (phases.Measure("ffmpeg"))
            {
                try
                {
                    (inputDamage, encodedFrames) = await RunFfmpegAsync(request, command, scratch.ProcessPath, onProgress, onLog, cancellationToken).ConfigureAwait(false);
                }
                catch (RenderFailedException ex) when (ex.FailureClass == FailureClass.Transient && ex.ExitCode != 0)
                {
                    await ThrowIfUnreadableAsync(files.Input, ffOptions, ex, cancellationToken).ConfigureAwait(false);
                    throw;
                }
            }

            request.Rendered?.Invoke();

            var rendered = Path.Combine(scratch.ProcessPath, command.OutputFileName);
            OutputInfo info;
            var verifying = phases.Measure("verify");
            try
            {
                info = request switch
                {
                    { AudioOnly: true } => await ChunkVerifier.VerifyAudioAsync(rendered, command.Expect, cancellationToken, ffOptions).ConfigureAwait(false),
                    { Chunk: { } chunk } => await ChunkVerifier.VerifyChunkAsync(rendered, command.Expect, chunk, cancellationToken, ffOptions, _options.Threads, encodedFrames).ConfigureAwait(false),
                    _ => await OutputVerifier.VerifyAsync(rendered, command.Expect, cancellationToken, ffOptions, encodedFrames).ConfigureAwait(false),
                };
            }
            catch (OutputVerificationException ex) when (inputDamage is not null)
            {
                throw new RenderFailedException(FailureClass.BadInput, $"input {Path.GetFileName(request.InputPath)} is damaged ({inputDamage}): {ex.Message}", inner: ex);
            }
            catch (OutputVerificationException ex)
            {
                throw new RenderFailedException(FailureClass.Transient, ex.Message, inner: ex);
            }
            finally
            {
                verifying.Dispose();
            }

            Step($"verified {info.VideoCodec} {info.Width}x{info.Height} {info.PixelFormat}, {info.FrameCount} frames, {info.DurationSeconds:0.###} s, {info.SizeBytes} bytes");
            using (phases.Measure("sha256")) info.Sha256 = await Sha256Async(rendered, cancellationToken).ConfigureAwait(false);
            info.Path = request.OutputPath;
            cancellationToken.ThrowIfCancellationRequested();
            if (request.Deliver is { } deliver)
            {
                using (phases.Measure("deliver")) info.Path = await deliver(rendered, info, cancellationToken).ConfigureAwait(false);
            }
            else if (await AdoptAsync(request, files, Step, cancellationToken).ConfigureAwait(false) is { } late)
            {
                // The earlier attempt's output landed while this one rendered: it is the task's, and stays (one rename).
                onProgress(new RenderProgress(100, 0, 0, (long)late.FrameCount));
                return late;
            }
            else
            {
                await PublishAsync(request, files, scratch, command.OutputFileName, info, Step, phases, cancellationToken).ConfigureAwait(false);
            }

            Step($"published {info.Path} (sha256 {info.Sha256})");
            onProgress(new RenderProgress(100, 0, 0, (long)info.FrameCount));
            Log.Published(logger, request.AttemptId, info.Path, info.FrameCount, info.SizeBytes, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return info;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.Canceled(logger, request.AttemptId);
            throw;
        }
        catch (RenderFailedException ex)
        {
            Log.Failed(logger, request.AttemptId, ex.FailureClass, ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Failed(logger, request.AttemptId, FailureClass.Transient, ex.Message);
            throw new RenderFailedException(FailureClass.Transient, $"I/O error: {ex.Message}", inner: ex);
        }
        finally
        {
            if (scratch is not null)
            {
                using var _ = phases.Measure("cleanup");
                await RemoveScratchAsync(request.AttemptId, (request.Files ?? opened)!.OutputFolder, scratch, scratchName).ConfigureAwait(false);
            }

            opened?.Dispose();
        }
    }

    /// <summary>On shared storage: ask for the live lease's permission, then rename the output into place.</summary>
    private static async Task PublishAsync(
        RenderRequest request, RenderFiles files, MediaDirectory scratch, string renderedName, OutputInfo info, Action<string> step, PhaseClock phases,
        CancellationToken cancellationToken)
    {
        if (!request.Overwrite && files.OutputFolder.Contains(files.OutputName))
        {
            throw new RenderFailedException(FailureClass.BadInput, $"output {files.OutputName} appeared while rendering; set overwrite to replace it");
        }

        RefuseOutputIsInput(files);
        if (request.ConfirmPublish is { } confirm)
        {
            string? refused;
            using (phases.Measure("publish-grant")) refused = await confirm(info, cancellationToken).ConfigureAwait(false);
            if (refused is not null) throw new PublishRefusedException(refused);
            step("the coordinator granted publishing (live lease) and recorded the output's size and sha256");
        }

        using (phases.Measure("rename")) OutputPlace.Publish(scratch, renderedName, files.OutputFolder, files.OutputName, request.Overwrite, "rendering");
    }

    /// <summary>
    /// The output an earlier attempt of the task published, when it is whole at the path: adopted (what that attempt's
    /// scratch folder left is removed) instead of rendered again or refused as existing.
    /// </summary>
    private static async Task<OutputInfo?> AdoptAsync(RenderRequest request, RenderFiles files, Action<string> step, CancellationToken cancellationToken)
    {
        if (await Adoption.TryAsync(files.OutputFolder, files.OutputName, request.OutputPath, request.Published, cancellationToken).ConfigureAwait(false) is not { } adopted) return null;
        RemoveLeftovers(request, files.OutputFolder, step);
        step($"adopted {request.OutputPath}: attempt {request.Published!.AttemptId} of this task published it ({adopted.SizeBytes} bytes, sha256 {adopted.Sha256})");
        return adopted;
    }

    /// <summary>
    /// The output may never be the input's file: when a file exists at the output's name (through any link that stays
    /// in the root), its identity (device and inode) is compared with the open input's and LUT's.
    /// </summary>
    internal static void RefuseOutputIsInput(RenderFiles files)
    {
        if (OutputPlace.Existing(files.OutputFolder, files.OutputName) is not { } existing) return;
        if (existing == files.Input.Identity || (files.Lut is { } lut && existing == lut.Identity))
        {
            throw new RenderFailedException(FailureClass.BadInput,
                $"output {files.OutputName} is the job's own input or LUT file (the same file under another name or through a link); choose another output");
        }
    }

    /// <summary>A new scratch folder of the agent's own (0700) in the output folder; one left by an earlier run of this attempt is removed first.</summary>
    private static MediaDirectory MakeScratch(MediaDirectory outputFolder, string name)
    {
        outputFolder.DeleteTree(name);
        return outputFolder.CreateDirectory(name);
    }

    private static async Task<(SourceInfo Source, CubeLut? Lut, bool Reused)> ValidateAsync(
        RenderRequest request, RenderFiles files, FFOptions ffOptions, PhaseClock phases, ILogger logger, CancellationToken cancellationToken)
    {
        if (files.Input.Length == 0)
        {
            throw new RenderFailedException(FailureClass.BadInput, $"input {Path.GetFileName(request.InputPath)} is empty");
        }

        if (!request.Overwrite && files.OutputFolder.Contains(files.OutputName))
        {
            throw new RenderFailedException(FailureClass.BadInput, $"output {files.OutputName} already exists; set overwrite to replace it");
        }

        RefuseOutputIsInput(files);
        CubeLut? lut = null;
        if (files.Lut is not null)
        {
            try
            {
                lut = CubeLut.Load(files.Lut);
            }
            catch (LutFormatException ex)
            {
                throw new RenderFailedException(FailureClass.BadInput, $"LUT {Path.GetFileName(request.LutPath ?? files.Lut.Name)}: {ex.Message}", inner: ex);
            }
        }

        // A chunk is built from the job's probe, any other task from an earlier probe of this input, unless the open
        // input is not exactly the file that was probed (size, modification and change time; or content in transfer mode).
        var checking = phases.Now;
        var known = request.Chunk is { } chunk ? chunk.Source : request.KnownSource;
        if (ProbeReuse.Describes(known, files.Input, request.InputSha256))
        {
            phases.Add("probe-reused", checking, phases.Now);
            return (known!.ToSourceInfo(), lut, true);
        }

        try
        {
            SourceInfo source;
            var before = files.Input.Stamp();
            var started = TimeProvider.System.GetUtcNow(); // compared with file times, which are the kernel's real clock
            using (phases.Measure("probe")) source = await MediaProbe.ProbeAsync(files.Input, cancellationToken, ffOptions: ffOptions, logger: logger).ConfigureAwait(false);
            if (request.Probed is { } keep && !request.FromPiece
                && ProbeReuse.Stamp(source.ToFacts(), before, files.Input.Stamp(), started, request.InputSha256) is { } stamped)
            {
                keep(stamped);
            }

            return (source, lut, false);
        }
        catch (MediaProbeException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, $"input {ex.Message}", inner: ex);
        }
    }

    /// <summary>
    /// After ffmpeg failed: facts read in process (or kept from an earlier probe) do not prove that ffmpeg's demuxer
    /// accepts the file, so ffprobe is asked now. An input it refuses is bad input (no retry, its message); otherwise the
    /// failure stays as it was.
    /// </summary>
    private static async Task ThrowIfUnreadableAsync(
        MediaFile input, FFOptions ffOptions, RenderFailedException failed, CancellationToken cancellationToken)
    {
        try
        {
            await MediaProbe.FfprobeAsync(input, cancellationToken, ffOptions: ffOptions).ConfigureAwait(false);
        }
        catch (MediaProbeException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, $"input {ex.Message}", failed.ExitCode, failed.LogTail, ex);
        }
    }

    private static RenderCommand Build(RenderRequest request, SourceInfo source, bool hasLut)
    {
        try
        {
            var inputName = "input" + MediaProbe.SafeExtension(request.InputPath);
            var extension = Path.GetExtension(request.OutputPath);
            if (request.AudioOnly || request.Chunk is not null)
            {
                if (!PresetCatalog.TryGet(request.Settings.Preset, out var preset)) throw new RenderSettingsException("preset", $"choose one of {PresetCatalog.Names}");
                var finalExtension = Path.GetExtension(request.FinalOutputPath ?? request.OutputPath);
                if (request.AudioOnly) return ChunkCommands.ForAudio(preset, request.Settings.AudioCodec, finalExtension, extension, source, inputName);
                var silent = request.Settings.Clone();
                silent.AudioCodec = AudioCodec.None;
                if (request.FromPiece) return PieceCommands.ForChunk(silent, request.Grade, hasLut, source, extension, inputName, request.Chunk!, preset);
                var whole = RenderCommandBuilder.Build(silent, request.Grade, hasLut, source, extension, inputName);
                return ChunkCommands.ForChunk(whole, request.Chunk!, preset);
            }

            return RenderCommandBuilder.Build(request.Settings, request.Grade, hasLut, source, extension, inputName);
        }
        catch (RenderSettingsException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, ex.Message, inner: ex);
        }
    }

    /// <returns>
    /// ffmpeg's first complaint about a damaged input, or null. It only decides the class when ffmpeg exited
    /// cleanly but its output fails verification (a truncated input); a non-zero exit stays a crash. And the video frames
    /// its last statistics line says it wrote (0 when it printed none), which the output must hold exactly.
    /// </returns>
    private async Task<(string? InputDamage, long EncodedFrames)> RunFfmpegAsync(
        RenderRequest request, RenderCommand command, string scratch, Action<RenderProgress> onProgress, Action<string> onLog, CancellationToken cancellationToken)
    {
        var log = new FfmpegLog(_options.LogTailLines);
        var percent = 0.0;
        var total = command.Expect.SourceDuration > TimeSpan.Zero ? command.Expect.SourceDuration : TimeSpan.FromSeconds(1);
        void Report() => onProgress(new RenderProgress(Math.Clamp(percent, 0, 100), log.Fps, log.Speed, log.Frames));

        var processor = FFMpegArguments
            .FromFileInput(command.InputFileName, verifyExists: false, o =>
            {
                if (command.InputArguments is { Count: > 0 }) o.WithCustomArgument(command.InputArgumentText);
                if (_options.Threads > 0) o.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-threads {_options.Threads}"));
            })
            .OutputToFile(command.OutputFileName, overwrite: true, o =>
            {
                o.WithCustomArgument(command.OutputArgumentText);
                if (_options.Threads > 0) o.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-threads {_options.Threads} -filter_threads {_options.Threads}"));
            })
            .NotifyOnPercentageProgress(p => percent = p, total)
            .NotifyOnStandardError(line =>
            {
                onLog(line);
                if (log.Add(line))
                {
                    Report();
                }
            })
            .CancellableThrough(cancellationToken, _options.CancelGracePeriod);

        var ffOptions = new FFOptions { WorkingDirectory = scratch, BinaryFolder = _options.RenderBinaryFolder ?? _options.BinaryFolder };
        Log.Rendering(logger, request.AttemptId, request.InputPath, request.OutputPath, processor.Arguments);
        onLog($"{StepPrefix}{GlobalFFOptions.GetFFMpegBinaryPath(ffOptions)} {processor.Arguments}");
        FFMpegResult result;
        try
        {
            result = await processor.ProcessAsynchronously(throwOnError: false, ffOptions).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
        catch (FFMpegException ex)
        {
            // FFMpegCore checks the binary first ("ffmpeg was not found on your system").
            var failureClass = ex.Message.Contains("not found", StringComparison.OrdinalIgnoreCase) ? FailureClass.Unsupported : FailureClass.Transient;
            throw new RenderFailedException(failureClass, $"cannot run ffmpeg: {ex.Message}", 0, log.Tail, ex);
        }

        onLog($"{StepPrefix}ffmpeg exited with code {result.ExitCode}");
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Cancelled)
        {
            throw new OperationCanceledException("ffmpeg was stopped", cancellationToken);
        }

        if (!result.Success)
        {
            var tail = log.Tail;
            var failureClass = MissingFeature().IsMatch(tail) ? FailureClass.Unsupported : FailureClass.Transient;
            var lastLine = tail.Split('\n').LastOrDefault(l => !l.StartsWith("frame=", StringComparison.Ordinal)) ?? string.Empty;
            throw new RenderFailedException(failureClass, $"ffmpeg exited with code {result.ExitCode}: {lastLine}", result.ExitCode, tail);
        }

        return (log.InputDamage, log.Frames);
    }

    /// <summary>
    /// Scratch folders that earlier attempts of this task left beside the output (their agent was killed), removed by
    /// name inside the open output folder; links in them (or at their names) are removed, never followed.
    /// </summary>
    private static void RemoveLeftovers(RenderRequest request, MediaDirectory outputFolder, Action<string> step)
    {
        foreach (var ended in request.EndedAttempts ?? [])
        {
            try
            {
                if (!outputFolder.DeleteTree(ScratchPrefix + AttemptNames.Safe(ended))) continue;
                step($"removed the scratch folder left by attempt {ended}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                step($"could not remove the scratch folder left by attempt {ended}: {ex.Message}");
            }
        }
    }

    private static string Describe(SourceInfo s) =>
        $"probed {s.VideoCodec} {s.VideoProfile} {s.Width}x{s.Height} (rotation {s.Rotation}) {s.PixelFormat}, "
        + $"{s.RealFrameRate} fps (average {s.AverageFrameRate}), {s.Duration.TotalSeconds:0.###} s, "
        + $"colour {Tag(s.ColorPrimaries)}/{Tag(s.ColorTransfer)}/{Tag(s.ColorSpace)}/{Tag(s.ColorRange)}, "
        + (s.HasAudio ? $"audio {s.AudioCodec}" : "no audio");

    private static string Tag(string value) => value.Length == 0 ? "untagged" : value;

    internal static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
        return await Sha256Async(stream, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<string> Sha256Async(Stream stream, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Removes the scratch folder by name inside the open output folder (links in it removed, never followed), then closes it.</summary>
    private async Task RemoveScratchAsync(string attemptId, MediaDirectory outputFolder, MediaDirectory scratch, string name)
    {
        using var _ = scratch;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                outputFolder.DeleteTree(name);
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 5)
                {
                    Log.ScratchLeft(logger, ex, attemptId, scratch.Name);
                    return;
                }

                await Task.Delay(100 * (attempt + 1)).ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex(@"Unknown encoder|Encoder \S+ not found|No such filter|Unrecognized option|Codec not currently supported", RegexOptions.CultureInvariant)]
    private static partial Regex MissingFeature();
}
