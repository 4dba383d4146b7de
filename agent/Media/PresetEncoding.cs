using System.Globalization;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Media;

/// <summary>Per-preset encoder arguments, pixel formats, container flags and the names ffprobe reports back.</summary>
internal static class PresetEncoding
{
    public static string PixelFormat(PresetInfo preset, uint bitDepth) => preset.Preset switch
    {
        Preset.Prores422Proxy or Preset.Prores422Lt or Preset.Prores422 or Preset.Prores422Hq => "yuv422p10le",
        Preset.DnxhrHqx => "yuv422p10le",
        Preset.DnxhrLb or Preset.DnxhrSq or Preset.DnxhrHq => "yuv422p",
        _ => bitDepth == 10 ? "yuv420p10le" : "yuv420p",
    };

    public static IEnumerable<string> VideoCodecArguments(PresetInfo preset, uint crf, string extension)
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

    /// <summary>
    /// Writes HDR10 mastering display and content light level into the stream where the encoder can: x265
    /// (<c>master-display</c>, <c>max-cll</c>) and SVT-AV1 (<c>mastering-display</c>, <c>content-light</c>). x264,
    /// ProRes and DNxHR cannot in ffmpeg 5.1 (docs/colour.md).
    /// </summary>
    public static void AddHdr10(List<string> args, PresetInfo preset, Hdr10Metadata hdr10)
    {
        switch (preset.VideoEncoder)
        {
            case "libx265":
                var at = args.IndexOf("-x265-params");
                args[at + 1] += ":" + hdr10.X265Parameters();
                break;
            case "libsvtav1":
                var svt = hdr10.SvtAv1Parameters();
                if (svt.Length > 0)
                {
                    AddSvtParameter(args, svt);
                }

                break;
        }
    }

    /// <summary>Adds to <c>-svtav1-params</c> (one only: a second one would replace the first).</summary>
    public static void AddSvtParameter(List<string> args, string parameter)
    {
        var at = args.IndexOf("-svtav1-params");
        if (at < 0)
        {
            args.AddRange(["-svtav1-params", parameter]);
        }
        else
        {
            args[at + 1] += ":" + parameter;
        }
    }

    public static IEnumerable<string> ContainerArguments(string extension) => extension switch
    {
        ".mp4" => ["-movflags", "+faststart"],
        ".m4v" => ["-f", "mp4", "-movflags", "+faststart"],
        ".mov" => ["-movflags", "+faststart"],
        _ => [],
    };

    public static string ProbeCodecName(PresetInfo preset) => preset.VideoEncoder switch
    {
        "libx264" => "h264",
        "libx265" => "hevc",
        "libsvtav1" => "av1",
        "prores_aw" => "prores",
        _ => "dnxhd",
    };

    public static string? ProbeProfile(PresetInfo preset, uint bitDepth) => preset.Preset switch
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
}
