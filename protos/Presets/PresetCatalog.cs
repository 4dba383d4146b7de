using RenderFarm.Protos.V1;

namespace RenderFarm.Protos.Presets;

/// <summary>Every preset the farm renders, by enum and by the name people type.</summary>
public static class PresetCatalog
{
    private static readonly string[] Mp4 = [".mp4", ".m4v", ".mov"];
    private static readonly string[] Mov = [".mov"];
    private static readonly string[] MovMxf = [".mov", ".mxf"];
    private static readonly string[] Mp4Mkv = [".mp4", ".mkv", ".mov"];
    private static readonly uint[] Eight = [8];
    private static readonly uint[] Ten = [10];

    public static IReadOnlyList<PresetInfo> All { get; } =
    [
        new(Preset.H264Proxy540P, "h264-proxy-540p", "libx264", Mp4, AudioCodec.Aac, false, 23, 51, Eight, 960, 540, true),
        new(Preset.H264Proxy720P, "h264-proxy-720p", "libx264", Mp4, AudioCodec.Aac, false, 23, 51, Eight, 1280, 720, true),
        new(Preset.Prores422Proxy, "prores-proxy", "prores_aw", Mov, AudioCodec.Pcm, false, 0, 0, Ten, 0, 0, true),
        new(Preset.Prores422Lt, "prores-lt", "prores_aw", Mov, AudioCodec.Pcm, false, 0, 0, Ten, 0, 0, true),
        new(Preset.Prores422, "prores-422", "prores_aw", Mov, AudioCodec.Pcm, false, 0, 0, Ten, 0, 0, true),
        new(Preset.Prores422Hq, "prores-hq", "prores_aw", Mov, AudioCodec.Pcm, false, 0, 0, Ten, 0, 0, true),
        new(Preset.DnxhrLb, "dnxhr-lb", "dnxhd", MovMxf, AudioCodec.Pcm, false, 0, 0, Eight, 0, 0, true),
        new(Preset.DnxhrSq, "dnxhr-sq", "dnxhd", MovMxf, AudioCodec.Pcm, false, 0, 0, Eight, 0, 0, true),
        new(Preset.DnxhrHq, "dnxhr-hq", "dnxhd", MovMxf, AudioCodec.Pcm, false, 0, 0, Eight, 0, 0, true),
        new(Preset.DnxhrHqx, "dnxhr-hqx", "dnxhd", MovMxf, AudioCodec.Pcm, false, 0, 0, Ten, 0, 0, true),
        new(Preset.H264Delivery, "h264", "libx264", Mp4Mkv, AudioCodec.Aac, true, 18, 51, [8, 10], 0, 0, false),
        new(Preset.HevcDelivery, "hevc", "libx265", Mp4Mkv, AudioCodec.Aac, true, 22, 51, [10, 8], 0, 0, false),
        new(Preset.Av1Delivery, "av1", "libsvtav1", Mp4Mkv, AudioCodec.Opus, true, 32, 63, [10, 8], 0, 0, false),
    ];

    private static readonly Dictionary<Preset, PresetInfo> ByPreset = All.ToDictionary(p => p.Preset);
    private static readonly Dictionary<string, PresetInfo> ByName =
        All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The facts of <paramref name="preset"/>; throws for UNSPECIFIED or unknown values.</summary>
    public static PresetInfo Get(Preset preset) =>
        ByPreset.TryGetValue(preset, out var info)
            ? info
            : throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown preset.");

    public static bool TryGet(Preset preset, out PresetInfo info) => ByPreset.TryGetValue(preset, out info!);

    /// <summary>Looks a preset up by the name people type, e.g. <c>prores-hq</c>.</summary>
    public static bool TryGetByName(string name, out PresetInfo info) => ByName.TryGetValue(name, out info!);

    public static string Names => string.Join(", ", All.Select(p => p.Name));
}
