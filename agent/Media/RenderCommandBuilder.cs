using System.Globalization;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>
/// Builds the ffmpeg command for one render from the job's settings and the probed source. Safety by design: the
/// command names only fixed relative files (<c>input.ext</c>, <see cref="LutFileName"/>, <c>output.ext</c>) in the
/// working directory ffmpeg runs in, and every number is validated and formatted with the invariant culture, so no
/// user string ever reaches the command line or a filtergraph.
/// </summary>
public static class RenderCommandBuilder
{
    /// <summary>The validated LUT copy in the working directory.</summary>
    public const string LutFileName = "grade.cube";

    /// <summary>Largest box side accepted for max_width / max_height.</summary>
    public const uint MaxDimension = 16384;

    /// <param name="settings">The job's output settings.</param>
    /// <param name="grade">The grade, or null.</param>
    /// <param name="hasLut">Whether <see cref="LutFileName"/> will be in the working directory.</param>
    /// <param name="source">The probed source.</param>
    /// <param name="outputExtension">Extension of the target file (e.g. <c>.mov</c>); null for the preset's preferred one.</param>
    /// <param name="inputFileName">The link name of the source in the working directory.</param>
    /// <exception cref="RenderSettingsException">A setting is invalid or the settings do not fit together.</exception>
    public static RenderCommand Build(
        OutputSettings settings, Grade? grade, bool hasLut, SourceInfo source, string? outputExtension = null, string inputFileName = "input")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(source);
        if (!PresetCatalog.TryGet(settings.Preset, out var preset))
        {
            throw new RenderSettingsException("preset", $"choose one of {PresetCatalog.Names}");
        }

        var extension = ResolveExtension(preset, outputExtension);
        var bitDepth = ResolveBitDepth(preset, settings.BitDepth);
        var crf = ResolveCrf(preset, settings.Crf);
        var (rate, rateReason) = ResolveFrameRate(preset, settings, source);
        var audio = AudioPlan.Resolve(preset, settings.AudioCodec, extension, source.HasAudio);
        if (grade is not null)
        {
            GradeFilters.Validate(grade);
        }

        var graded = GradeFilters.IsActive(grade, hasLut);
        var toneMap = ResolveToneMap(preset, settings.HdrMode, bitDepth, graded, hasLut, grade is { HasContrast: true, Contrast: not 1 }, source);
        var keepHdr = source.IsHdr && !toneMap;
        var (width, height) = FitSize(preset, settings, source);
        var pixelFormat = PresetEncoding.PixelFormat(preset, bitDepth);
        var outColor = keepHdr
            ? (source.ColorTransfer == "smpte2084" ? ColorTags.Pq : ColorTags.Hlg)
            : ColorTags.Bt709;

        var videoFilter = VideoFilterChain.Build(
            source, rate, width, height, toneMap, grade, hasLut, LutFileName, pixelFormat, outColor);
        var args = new List<string> { "-map", "0:v:0" };
        if (audio is not null)
        {
            args.AddRange(["-map", "0:a:0"]);
        }

        args.AddRange(["-sn", "-dn", "-map_chapters", "-1", "-vf", videoFilter]);
        args.AddRange(rate is null ? ["-fps_mode", "passthrough"] : ["-fps_mode", "cfr"]);
        args.AddRange(PresetEncoding.VideoCodecArguments(preset, crf, extension));
        if (keepHdr && outColor == ColorTags.Pq && source.Hdr10 is { } hdr10)
        {
            PresetEncoding.AddHdr10(args, preset, hdr10);
        }

        args.AddRange(["-pix_fmt", pixelFormat]);
        args.AddRange([
            "-color_primaries", outColor.Primaries, "-color_trc", outColor.Transfer,
            "-colorspace", outColor.Space, "-color_range", outColor.Range,
        ]);
        if (audio is not null)
        {
            args.AddRange(audio.Arguments);
        }
        else
        {
            args.Add("-an");
        }

        args.AddRange(PresetEncoding.ContainerArguments(extension));

        long? expectedFrames = rate is { } cfr
            ? (long)Math.Round(source.Duration.TotalSeconds * cfr.Value)
            : ShownFrameCount(source);
        var expect = new RenderExpectations(
            VideoCodec: PresetEncoding.ProbeCodecName(preset),
            Profile: PresetEncoding.ProbeProfile(preset, bitDepth),
            PixelFormat: pixelFormat,
            Width: width,
            Height: height,
            Color: outColor,
            ConstantRate: rate,
            FrameRateReason: rateReason,
            ExpectedFrameCount: expectedFrames,
            SourceDuration: source.Duration,
            HasAudio: audio is not null,
            AudioCodec: audio?.ProbeName ?? string.Empty,
            SourceLatestEnd: source.LatestVideoEnd > source.Duration ? source.LatestVideoEnd : null);
        return new RenderCommand(inputFileName, "output" + extension, args, videoFilter, expect);
    }

    /// <summary>
    /// The frames the source shows, which a render that keeps its timing writes: its frame count, unless the track holds
    /// more frames than it can show in its duration at its nominal rate. Then an edit list hides frames the track keeps
    /// to decode the first shown one (a stream-copy cut that starts between keyframes: ffmpeg copies from the keyframe
    /// before), the count includes them, and how many are shown is not known (null): the duration is checked instead.
    /// </summary>
    public static long? ShownFrameCount(SourceInfo source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.FrameCount is not { } count) return null;
        var fastest = 0.0;
        foreach (var text in (string[])[source.RealFrameRate, source.AverageFrameRate])
        {
            if (FrameRate.TryParse(text, out var rate)) fastest = Math.Max(fastest, rate.Value);
        }

        return fastest > 0 && count > (source.LatestVideoEnd.TotalSeconds * fastest) + 1 ? null : count;
    }

    /// <summary>
    /// The largest even size inside the box that keeps the source's displayed aspect ratio; never upscales. The
    /// preset's box is turned for portrait sources (540x960); a box given in the settings is taken as written.
    /// </summary>
    public static (int Width, int Height) FitSize(PresetInfo preset, OutputSettings settings, SourceInfo source)
    {
        foreach (var (value, field) in new[] { (settings.MaxWidth, "max_width"), (settings.MaxHeight, "max_height") })
        {
            if (value > MaxDimension)
            {
                throw new RenderSettingsException(field, $"{value} is larger than {MaxDimension}");
            }
        }

        var boxW = settings.MaxWidth != 0 ? (int)settings.MaxWidth : (int)preset.BoxWidth;
        var boxH = settings.MaxHeight != 0 ? (int)settings.MaxHeight : (int)preset.BoxHeight;
        if (settings.MaxWidth == 0 && settings.MaxHeight == 0 && source.IsPortrait)
        {
            (boxW, boxH) = (boxH, boxW);
        }

        var scale = 1.0;
        if (boxW > 0)
        {
            scale = Math.Min(scale, (double)boxW / source.Width);
        }

        if (boxH > 0)
        {
            scale = Math.Min(scale, (double)boxH / source.Height);
        }

        var w = Even(source.Width * scale, boxW, source.Width);
        var h = Even(source.Height * scale, boxH, source.Height);
        return (w, h);
    }

    /// <summary>The nearest even number, but never past the box or the source (4:2:x needs even sizes).</summary>
    private static int Even(double value, int box, int sourceSize)
    {
        var even = 2 * (int)Math.Round(value / 2, MidpointRounding.AwayFromZero);
        var limit = box > 0 ? Math.Min(box, sourceSize) : sourceSize;
        return Math.Max(2, Math.Min(even, limit - (limit % 2)));
    }

    private static string ResolveExtension(PresetInfo preset, string? outputExtension)
    {
        if (string.IsNullOrEmpty(outputExtension))
        {
            return preset.Extensions[0];
        }

        foreach (var ext in preset.Extensions)
        {
            if (string.Equals(ext, outputExtension, StringComparison.OrdinalIgnoreCase))
            {
                return ext;
            }
        }

        var shown = outputExtension.Length > 16 ? outputExtension[..16] + "..." : outputExtension;
        throw new RenderSettingsException(
            "output", $"extension '{shown}' does not suit preset {preset.Name}; use {string.Join(" or ", preset.Extensions)}");
    }

    private static uint ResolveBitDepth(PresetInfo preset, uint bitDepth)
    {
        if (bitDepth == 0)
        {
            return preset.DefaultBitDepth;
        }

        return preset.Supports(bitDepth)
            ? bitDepth
            : throw new RenderSettingsException(
                "bit_depth", $"{bitDepth} is not available for preset {preset.Name}; use {string.Join(" or ", preset.BitDepths)} (or 0 for the default)");
    }

    private static uint ResolveCrf(PresetInfo preset, uint crf)
    {
        if (crf == 0)
        {
            return preset.DefaultCrf;
        }

        if (!preset.UsesCrf)
        {
            throw new RenderSettingsException("crf", $"preset {preset.Name} takes no CRF; leave it 0");
        }

        return crf <= preset.MaxCrf
            ? crf
            : throw new RenderSettingsException("crf", $"{crf} is out of range for preset {preset.Name}; use 1 to {preset.MaxCrf}");
    }

    /// <summary>The constant rate to render (null to keep the source timing) and how it was chosen.</summary>
    private static (FrameRate? Rate, string Reason) ResolveFrameRate(PresetInfo preset, OutputSettings settings, SourceInfo source)
    {
        var mode = settings.FrameRateMode;
        if (!Enum.IsDefined(mode))
        {
            throw new RenderSettingsException("frame_rate_mode", $"unknown value {(int)mode}");
        }

        FrameRate? requested = null;
        if (!string.IsNullOrEmpty(settings.FrameRate))
        {
            if (!FrameRate.TryParse(settings.FrameRate, out var parsed))
            {
                var shown = settings.FrameRate.Length > 20 ? settings.FrameRate[..20] + "..." : settings.FrameRate;
                throw new RenderSettingsException(
                    "frame_rate", $"'{shown}' is not a frame rate; use a number like 25 or 29.97 or a ratio like 30000/1001 (up to {FrameRate.Max})");
            }

            if (mode == FrameRateMode.Keep)
            {
                throw new RenderSettingsException("frame_rate", "is set but frame_rate_mode is KEEP; clear one of them");
            }

            requested = parsed;
        }

        var constant = mode == FrameRateMode.Constant || requested is not null
            || (mode == FrameRateMode.Unspecified && preset.DefaultConstantRate);
        if (!constant)
        {
            return (null, "source timing kept");
        }

        if (requested is { } given)
        {
            return (given, "as requested");
        }

        FrameRate? real = FrameRate.TryParse(source.RealFrameRate, out var r) ? r : null;
        if (source.IsVariableFrameRate && FrameRate.TryParse(source.AverageFrameRate, out var vfrAverage))
        {
            var snapped = FrameRate.SnapVariable(real, vfrAverage);
            return (snapped, string.Create(CultureInfo.InvariantCulture,
                $"the standard rate nearest the variable-rate source's {(real is { } n && n.ApproximatelyEquals(snapped) ? $"nominal {n.ToDecimalString()}" : $"average {vfrAverage.ToDecimalString()}")} fps"));
        }

        if (FrameRate.TryParse(source.AverageFrameRate, out var average) || FrameRate.TryParse(source.RealFrameRate, out average))
        {
            return (average.SnapToStandard(), "the source's rate");
        }

        throw new RenderSettingsException("frame_rate", "the source reports no frame rate; set one, e.g. 25");
    }

    private static bool ResolveToneMap(PresetInfo preset, HdrMode mode, uint bitDepth, bool graded, bool hasLut, bool contrast, SourceInfo source)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new RenderSettingsException("hdr_mode", $"unknown value {(int)mode}");
        }

        if (!source.IsHdr)
        {
            return false;
        }

        switch (mode)
        {
            case HdrMode.ToneMapSdr:
                return true;
            case HdrMode.Keep when bitDepth < 10:
                throw new RenderSettingsException(
                    "hdr_mode", $"KEEP needs a 10-bit output but preset {preset.Name} writes {bitDepth}-bit here; set bit_depth 10 with a preset that allows it, or use TONE_MAP_SDR");
            case HdrMode.Keep when hasLut:
                throw new RenderSettingsException(
                    "hdr_mode", "KEEP cannot be combined with a LUT (a .cube LUT expects Rec.709 SDR); use TONE_MAP_SDR or drop grade.lut_path");
            case HdrMode.Keep when contrast:
                throw new RenderSettingsException(
                    "hdr_mode", "KEEP cannot be combined with grade.contrast (contrast is defined on SDR's gamma); use TONE_MAP_SDR or drop grade.contrast");
            case HdrMode.Keep:
                return false;
            default:
                return bitDepth < 10 || graded;
        }
    }
}
