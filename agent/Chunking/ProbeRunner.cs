using FFMpegCore;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// The PROBE task of a chunked job: reads the source's duration, frame rate, frames and keyframes, and the rate the
/// output will have, so the coordinator can cut the job into chunks on frames that exist.
/// </summary>
public static class ProbeRunner
{
    /// <summary>Cut candidates besides keyframes: about one frame per second.</summary>
    private const double MarkEverySeconds = 1;

    /// <summary>Probes a file named by the agent's own path (transfer mode, tests), opened once here.</summary>
    /// <exception cref="RenderFailedException">The input cannot be read or the settings do not fit it (BAD_INPUT).</exception>
    public static async Task<ProbeResult> RunAsync(
        string inputPath, string finalOutputPath, OutputSettings settings, Grade? grade, bool hasLut, Action<string> step, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        MediaFile input;
        try
        {
            input = LocalFiles.OpenFile(inputPath);
        }
        catch (MediaAccessException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput,
                ex.NotFound ? $"input {Path.GetFileName(inputPath)} does not exist" : $"input {Path.GetFileName(inputPath)}: {ex.Message}", inner: ex);
        }

        using (input)
        {
            return await RunAsync(input, finalOutputPath, settings, grade, hasLut, step, cancellationToken, ffOptions).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Probes an open input (opened once beneath its media root): ffprobe reads that same file through a
    /// <see cref="ProbeLink"/>, whatever its name leads to by then.
    /// </summary>
    /// <param name="input">The open input.</param>
    /// <param name="finalOutputPath">The job's output: only its extension is used.</param>
    /// <exception cref="RenderFailedException">The input cannot be read or the settings do not fit it (BAD_INPUT).</exception>
    public static async Task<ProbeResult> RunAsync(
        MediaFile input, string finalOutputPath, OutputSettings settings, Grade? grade, bool hasLut, Action<string> step, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(step);
        SourceInfo source;
        RenderCommand whole;
        using var link = new ProbeLink(input);
        try
        {
            // The frames are counted by the packet pass below (one read of the source, not two).
            source = await MediaProbe.ProbeAsync(input, cancellationToken, ffOptions: ffOptions).ConfigureAwait(false);
        }
        catch (MediaProbeException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, $"input {ex.Message}", inner: ex);
        }
        catch (RenderSettingsException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, ex.Message, inner: ex);
        }

        var frames = await StreamChecks.VideoFramesAsync(link.Path, cancellationToken, ffOptions).ConfigureAwait(false);
        source = source with { FrameCount = frames.Count };
        try
        {
            whole = RenderCommandBuilder.Build(settings, grade, hasLut, source, Path.GetExtension(finalOutputPath));
        }
        catch (RenderSettingsException ex)
        {
            throw new RenderFailedException(FailureClass.BadInput, ex.Message, inner: ex);
        }

        var result = new ProbeResult
        {
            DurationSeconds = source.Duration.TotalSeconds,
            FrameCount = (ulong)frames.Count,
            VariableFrameRate = source.IsVariableFrameRate,
            AverageFrameRate = source.AverageFrameRate,
            HasAudio = whole.Expect.HasAudio,
            OutputFrameRate = whole.Expect.ConstantRate?.ToString() ?? string.Empty,
            NotChunkable = NotChunkable(settings.Preset, Path.GetExtension(finalOutputPath)),
            LastFrameSeconds = frames[^1].Time,
            LastStepSeconds = frames.Count > 1 ? frames[^1].Time - frames[^2].Time : 0,
            Source = source.ToFacts(),
        };
        var nextMark = 0.0;
        for (var i = 0; i < frames.Count; i++)
        {
            var (time, key) = frames[i];
            if (!key && time < nextMark) continue;
            result.Marks.Add(new FrameMark { Index = (ulong)i, TimeSeconds = time, Keyframe = key });
            if (time >= nextMark) nextMark = time + MarkEverySeconds;
        }

        step($"probed for chunking: {frames.Count} frames, {result.Marks.Count(m => m.Keyframe)} keyframes, {source.Duration.TotalSeconds:0.###} s, "
            + (result.OutputFrameRate.Length > 0 ? $"output at a constant {result.OutputFrameRate} fps" : "source timing kept")
            + (result.NotChunkable.Length > 0 ? $"; not chunkable: {result.NotChunkable}" : ""));
        return result;
    }

    /// <summary>Why a job with this preset and output cannot be split and joined, or empty when it can.</summary>
    public static string NotChunkable(Preset preset, string extension)
    {
        if (!PresetCatalog.TryGet(preset, out var info)) return "unknown preset";
        return info.VideoEncoder == "dnxhd" && string.Equals(extension, ".mxf", StringComparison.OrdinalIgnoreCase)
            ? "the MXF muxer refuses the time base of joined chunks; write .mov to chunk a DNxHR job"
            : string.Empty;
    }
}
