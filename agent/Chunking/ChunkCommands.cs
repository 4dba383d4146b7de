using System.Globalization;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Chunking;

/// <summary>
/// Turns the whole-file render command into the command for one chunk or for the job's audio. A chunk decodes
/// from a source keyframe at or before its first frame with the source's own timestamps (<c>-copyts
/// -start_at_zero</c>, so rate conversion lands on the same frame grid as a whole-file render), keeps exactly its
/// frames with <c>trim</c>, and encodes with settings that join cleanly: a fixed, closed GOP and no scene-cut
/// keyframes (x264 <c>stitchable</c>, no macroblock tree, whose look-ahead would differ at chunk ends).
/// </summary>
public static class ChunkCommands
{
    /// <summary>Half a millisecond: cut times sit this far before a frame, so rounding never drops or adds one.</summary>
    private const double CutMargin = 0.0005;

    /// <param name="whole">The whole-file command built with no audio and the chunk's file extension.</param>
    /// <param name="chunk">The chunk to encode.</param>
    /// <param name="preset">The job's preset.</param>
    public static RenderCommand ForChunk(RenderCommand whole, ChunkRange chunk, PresetInfo preset)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentNullException.ThrowIfNull(chunk);
        var constant = whole.Expect.ConstantRate;
        var cut = constant is null
            ? $"trim=start={Num(chunk.StartSeconds - CutMargin)}" + (chunk.Last ? "" : $":end={Num(chunk.StartSeconds + chunk.DurationSeconds - CutMargin)}")
            : $"trim=start_pts={chunk.FirstFrame}" + (chunk.Last ? "" : $":end_pts={chunk.FirstFrame + chunk.FrameCount}");
        cut += ",setpts=PTS-STARTPTS";

        // After fps= the frames are on the output grid (time base 1/rate): cut right there, before the costly filters.
        var filter = whole.VideoFilter;
        var firstComma = filter.IndexOf(',', StringComparison.Ordinal);
        filter = constant is not null && filter.StartsWith("fps=", StringComparison.Ordinal) && firstComma > 0
            ? filter[..(firstComma + 1)] + cut + filter[firstComma..]
            : cut + "," + filter;

        var args = whole.OutputArguments.ToList();
        var vf = args.IndexOf("-vf");
        args[vf + 1] = filter;
        AddStitchable(args, preset, Math.Max(1, (int)chunk.GopFrames));

        var expect = whole.Expect with
        {
            ExpectedFrameCount = (long)chunk.FrameCount,
            SourceDuration = TimeSpan.FromSeconds(chunk.DurationSeconds),
            SourceLatestEnd = null,
            HasAudio = false,
            AudioCodec = string.Empty,
        };
        string[] input = ["-copyts", "-start_at_zero", "-noaccurate_seek", "-ss", Num(Math.Max(0, chunk.SeekSeconds))];
        return whole with { OutputArguments = args, VideoFilter = filter, Expect = expect, InputArguments = input };
    }

    /// <summary>
    /// The encoder options every chunk of a job shares, and a whole-file reference encode uses too: a fixed closed
    /// GOP of <paramref name="gop"/> frames and no extra keyframes. ProRes and DNxHR are intra-only and need none.
    /// </summary>
    public static void AddStitchable(List<string> args, PresetInfo preset, int gop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(preset);
        var g = gop.ToString(CultureInfo.InvariantCulture);
        switch (preset.VideoEncoder)
        {
            case "libx264":
                args.AddRange(["-g", g, "-keyint_min", g, "-sc_threshold", "0", "-x264-params", "stitchable=1:mbtree=0:open-gop=0"]);
                break;
            case "libx265":
                var at = args.IndexOf("-x265-params");
                args[at + 1] += $":keyint={g}:min-keyint={g}:scenecut=0:open-gop=0";
                break;
            case "libsvtav1":
                args.AddRange(["-g", g]);
                PresetEncoding.AddSvtParameter(args, "scd=0");
                break;
        }
    }

    /// <summary>The job's audio, encoded once from the whole source into <c>output</c> + <paramref name="audioExtension"/>.</summary>
    /// <exception cref="RenderSettingsException">The audio codec does not fit the job's output, or there is no audio.</exception>
    public static RenderCommand ForAudio(
        PresetInfo preset, AudioCodec codec, string finalExtension, string audioExtension, SourceInfo source, string inputFileName)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(source);
        var plan = AudioPlan.Resolve(preset, codec, finalExtension, source.HasAudio)
            ?? throw new RenderSettingsException("audio_codec", "the job has no audio to encode (the source has none or the codec is NONE)");
        List<string> args = ["-map", "0:a:0", "-vn", "-sn", "-dn", "-map_chapters", "-1", .. plan.Arguments];
        var expect = new RenderExpectations(string.Empty, null, string.Empty, 0, 0, ColorTags.Bt709, null, null, source.Duration, true, plan.ProbeName);
        return new RenderCommand(inputFileName, "output" + audioExtension, args, string.Empty, expect);
    }

    private static string Num(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

