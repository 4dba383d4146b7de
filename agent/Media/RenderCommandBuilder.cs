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
        var rate = ResolveFrameRate(preset, settings, source);
        var audio = ResolveAudio(preset, settings.AudioCodec, extension, source.HasAudio);
        if (grade is not null)
        {
            GradeFilters.Validate(grade);
        }

        var graded = GradeFilters.IsActive(grade, hasLut);
        var toneMap = ResolveToneMap(preset, settings.HdrMode, bitDepth, graded, hasLut, source);
        var keepHdr = source.IsHdr && !toneMap;
        var (width, height) = FitSize(preset, settings, source);
        var pixelFormat = PixelFormat(preset, bitDepth);
        var outColor = keepHdr
            ? (source.ColorTransfer == "smpte2084" ? ColorTags.Pq : ColorTags.Hlg)
            : ColorTags.Bt709;

        var filters = new List<string>();
        if (rate is { } r)
        {
            filters.Add($"fps={r}");
        }

        var resize = width != source.Width || height != source.Height ? $"w={width}:h={height}:" : string.Empty;
        var inRange = source.ColorRange == "pc" ? "pc" : "tv";
        if (toneMap)
        {
            if (resize.Length > 0)
            {
                filters.Add($"scale={resize.TrimEnd(':')}");
            }

            var transfer = source.ColorTransfer == "smpte2084" ? "smpte2084" : "arib-std-b67";
            filters.Add($"zscale=tin={transfer}:min=bt2020nc:pin=bt2020:rin={(inRange == "pc" ? "full" : "limited")}:t=linear:npl=100");
            filters.Add("format=gbrpf32le");
            filters.Add("zscale=p=bt709");
            filters.Add("tonemap=tonemap=hable:desat=0");
            filters.Add("zscale=t=bt709:m=bt709:r=limited");
            if (graded)
            {
                filters.Add("format=gbrp16le");
                filters.AddRange(GradeFilters.Build(grade, hasLut, LutFileName));
                filters.Add($"scale=out_color_matrix=bt709:out_range=tv");
            }

            filters.Add($"format={pixelFormat}");
        }
        else
        {
            // Untagged SDR is taken as BT.709 and retagged, so no filter falls back to BT.601.
            var inMatrix = keepHdr ? "bt2020" : SwsMatrix(source.ColorSpace);
            var outMatrix = keepHdr ? "bt2020" : "bt709";
            if (!keepHdr)
            {
                filters.Add($"setparams=color_primaries={SdrPrimaries(source.ColorPrimaries)}:color_trc={SdrTransfer(source.ColorTransfer)}:colorspace={SdrSpace(source.ColorSpace)}:range={inRange}");
            }

            if (graded || inMatrix != outMatrix)
            {
                filters.Add($"scale={resize}in_color_matrix={inMatrix}:in_range={inRange}");
                filters.Add("format=gbrp16le");
                filters.AddRange(GradeFilters.Build(grade, hasLut, LutFileName));
                filters.Add($"scale=out_color_matrix={outMatrix}:out_range=tv");
            }
            else
            {
                filters.Add($"scale={resize}in_color_matrix={inMatrix}:in_range={inRange}:out_color_matrix={outMatrix}:out_range=tv");
            }

            filters.Add($"format={pixelFormat}");
        }

        // Tag the frames too: after an RGB stage ffmpeg 5.1 lets the frames' (empty) matrix win over -colorspace.
        filters.Add($"setparams=color_primaries={outColor.Primaries}:color_trc={outColor.Transfer}:colorspace={outColor.Space}:range={outColor.Range}");
        var videoFilter = string.Join(',', filters);
        var args = new List<string> { "-map", "0:v:0" };
        if (audio is not null)
        {
            args.AddRange(["-map", "0:a:0"]);
        }

        args.AddRange(["-sn", "-dn", "-map_chapters", "-1", "-vf", videoFilter]);
        args.AddRange(rate is null ? ["-fps_mode", "passthrough"] : ["-fps_mode", "cfr"]);
        args.AddRange(VideoCodecArguments(preset, crf, extension));
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

        args.AddRange(ContainerArguments(extension));

        long? expectedFrames = rate is { } cfr
            ? (long)Math.Round(source.Duration.TotalSeconds * cfr.Value)
            : source.FrameCount;
        var expect = new RenderExpectations(
            VideoCodec: ProbeCodecName(preset),
            Profile: ProbeProfile(preset, bitDepth),
            PixelFormat: pixelFormat,
            Width: width,
            Height: height,
            Color: outColor,
            ConstantRate: rate,
            ExpectedFrameCount: expectedFrames,
            SourceDuration: source.Duration,
            HasAudio: audio is not null,
            AudioCodec: audio?.ProbeName ?? string.Empty);
        return new RenderCommand(inputFileName, "output" + extension, args, videoFilter, expect);
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

    /// <summary>The constant rate to render, or null to keep the source timing.</summary>
    private static FrameRate? ResolveFrameRate(PresetInfo preset, OutputSettings settings, SourceInfo source)
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
            return null;
        }

        if (requested is not null)
        {
            return requested;
        }

        if (FrameRate.TryParse(source.AverageFrameRate, out var average) || FrameRate.TryParse(source.RealFrameRate, out average))
        {
            return average.SnapToStandard();
        }

        throw new RenderSettingsException("frame_rate", "the source reports no frame rate; set one, e.g. 25");
    }

    private static bool ResolveToneMap(PresetInfo preset, HdrMode mode, uint bitDepth, bool graded, bool hasLut, SourceInfo source)
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
            case HdrMode.Keep:
                return false;
            default:
                return bitDepth < 10 || graded;
        }
    }

    private sealed record AudioPlan(IReadOnlyList<string> Arguments, string ProbeName);

    private static AudioPlan? ResolveAudio(PresetInfo preset, AudioCodec codec, string extension, bool sourceHasAudio)
    {
        if (!Enum.IsDefined(codec))
        {
            throw new RenderSettingsException("audio_codec", $"unknown value {(int)codec}");
        }

        if (codec == AudioCodec.Unspecified)
        {
            codec = preset.DefaultAudio;
        }

        var mezzanine = preset.VideoEncoder is "prores_aw" or "dnxhd";
        var container = extension.TrimStart('.');
        var allowed = container switch
        {
            "mp4" or "m4v" => codec is AudioCodec.Aac or AudioCodec.Opus,
            "mov" => codec is AudioCodec.Aac or AudioCodec.Pcm,
            "mxf" => codec is AudioCodec.Pcm,
            _ => true,
        };
        if (codec != AudioCodec.None && !allowed)
        {
            throw new RenderSettingsException("audio_codec", $"{codec.ToString().ToUpperInvariant()} audio does not fit a {extension} file; choose another audio codec or output extension");
        }

        if (codec == AudioCodec.None || !sourceHasAudio)
        {
            return null;
        }

        return codec switch
        {
            AudioCodec.Aac => new AudioPlan(["-c:a", "aac", "-b:a", "192k"], "aac"),
            AudioCodec.Opus => new AudioPlan(["-c:a", "libopus", "-b:a", "160k"], "opus"),
            _ when mezzanine || container == "mxf" => new AudioPlan(["-c:a", "pcm_s24le", "-ar", "48000"], "pcm_s24le"),
            _ => new AudioPlan(["-c:a", "pcm_s16le"], "pcm_s16le"),
        };
    }

    private static string PixelFormat(PresetInfo preset, uint bitDepth) => preset.Preset switch
    {
        Preset.Prores422Proxy or Preset.Prores422Lt or Preset.Prores422 or Preset.Prores422Hq => "yuv422p10le",
        Preset.DnxhrHqx => "yuv422p10le",
        Preset.DnxhrLb or Preset.DnxhrSq or Preset.DnxhrHq => "yuv422p",
        _ => bitDepth == 10 ? "yuv420p10le" : "yuv420p",
    };

    private static IEnumerable<string> VideoCodecArguments(PresetInfo preset, uint crf, string extension)
    {
        var c = crf.ToString(CultureInfo.InvariantCulture);
        var isoMedia = extension is ".mp4" or ".m4v" or ".mov";
        return preset.Preset switch
        {
            Preset.H264Proxy540P or Preset.H264Proxy720P => ["-c:v", "libx264", "-preset", "veryfast", "-crf", c],
            Preset.Prores422Proxy => ["-c:v", "prores_aw", "-profile:v", "0", "-vendor", "apl0"],
            Preset.Prores422Lt => ["-c:v", "prores_aw", "-profile:v", "1", "-vendor", "apl0"],
            Preset.Prores422 => ["-c:v", "prores_aw", "-profile:v", "2", "-vendor", "apl0"],
            Preset.Prores422Hq => ["-c:v", "prores_aw", "-profile:v", "3", "-vendor", "apl0"],
            Preset.DnxhrLb => ["-c:v", "dnxhd", "-profile:v", "dnxhr_lb"],
            Preset.DnxhrSq => ["-c:v", "dnxhd", "-profile:v", "dnxhr_sq"],
            Preset.DnxhrHq => ["-c:v", "dnxhd", "-profile:v", "dnxhr_hq"],
            Preset.DnxhrHqx => ["-c:v", "dnxhd", "-profile:v", "dnxhr_hqx"],
            Preset.H264Delivery => ["-c:v", "libx264", "-preset", "medium", "-crf", c],
            Preset.HevcDelivery => isoMedia
                ? ["-c:v", "libx265", "-preset", "medium", "-crf", c, "-tag:v", "hvc1", "-x265-params", "log-level=error"]
                : ["-c:v", "libx265", "-preset", "medium", "-crf", c, "-x265-params", "log-level=error"],
            Preset.Av1Delivery => ["-c:v", "libsvtav1", "-preset", "8", "-crf", c],
            _ => throw new RenderSettingsException("preset", $"preset {preset.Name} has no command"),
        };
    }

    private static IEnumerable<string> ContainerArguments(string extension) => extension switch
    {
        ".mp4" => ["-movflags", "+faststart"],
        ".m4v" => ["-f", "mp4", "-movflags", "+faststart"],
        ".mov" => ["-movflags", "+faststart"],
        _ => [],
    };

    private static string ProbeCodecName(PresetInfo preset) => preset.VideoEncoder switch
    {
        "libx264" => "h264",
        "libx265" => "hevc",
        "libsvtav1" => "av1",
        "prores_aw" => "prores",
        _ => "dnxhd",
    };

    private static string? ProbeProfile(PresetInfo preset, uint bitDepth) => preset.Preset switch
    {
        Preset.Prores422Proxy => "Proxy",
        Preset.Prores422Lt => "LT",
        Preset.Prores422 => "Standard",
        Preset.Prores422Hq => "HQ",
        Preset.DnxhrLb => "DNXHR LB",
        Preset.DnxhrSq => "DNXHR SQ",
        Preset.DnxhrHq => "DNXHR HQ",
        Preset.DnxhrHqx => "DNXHR HQX",
        Preset.HevcDelivery => bitDepth == 10 ? "Main 10" : "Main",
        _ => null,
    };

    /// <summary>swscale's name for a YUV matrix; untagged is taken as BT.709.</summary>
    private static string SwsMatrix(string colorSpace) => colorSpace switch
    {
        "smpte170m" => "smpte170m",
        "bt470bg" => "bt470",
        "smpte240m" => "smpte240m",
        "fcc" => "fcc",
        "bt2020nc" or "bt2020c" => "bt2020",
        _ => "bt709",
    };

    private static string SdrPrimaries(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "bt470m" or "smpte240m" or "bt2020" ? tag : "bt709";

    private static string SdrTransfer(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "bt470m" or "smpte240m" or "iec61966-2-1" or "bt2020-10" ? tag : "bt709";

    private static string SdrSpace(string tag) =>
        tag is "bt709" or "smpte170m" or "bt470bg" or "smpte240m" or "fcc" or "bt2020nc" ? tag : "bt709";
}
