using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media.Mp4;

/// <summary>Small real outputs made with the farm presets' encoders and containers (320x180, 1-2 s), made once per test process.</summary>
internal static class Mp4Outputs
{
    private static readonly Dictionary<string, Func<string, Task>> Recipes = new()
    {
        ["h264-aac.mp4"] = path => Encode(TestClips.SdrAsync(), path, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", "-c:a", "aac"),
        ["h264-silent.mp4"] = path => Encode(TestClips.SdrAsync(), path, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", "-an"),
        ["h264-vfr.mp4"] = path => Encode(TestClips.PhoneHlgAsync(), path, "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p10le", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv", "-c:a", "aac"),
        ["h264-untagged-full.mov"] = path => Encode(TestClips.UntaggedAsync(), path, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuvj420p", "-an"),
        ["hevc-hlg.mp4"] = path => Encode(TestClips.PhoneHlgAsync(), path, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
            "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc",
            "-color_range", "tv", "-c:a", "aac"),
        ["prores-hq.mov"] = path => Encode(TestClips.SdrAsync(), path, "-c:v", "prores_aw", "-profile:v", "3", "-pix_fmt", "yuv422p10le",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", "-c:a", "pcm_s16le"),
        ["prores-pcm24.mov"] = path => Encode(TestClips.SdrAsync(), path, "-c:v", "prores_aw", "-profile:v", "2", "-pix_fmt", "yuv422p10le",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", "-c:a", "pcm_s24le", "-ar", "48000"),
        ["prores-proxy-silent.mov"] = path => Encode(TestClips.SdrAsync(), path, "-c:v", "prores_aw", "-profile:v", "0", "-pix_fmt", "yuv422p10le", "-an"),
    };

    private static readonly Dictionary<string, Lazy<Task<string>>> Made = Recipes.ToDictionary(r => r.Key, r => new Lazy<Task<string>>(async () =>
    {
        var path = Path.Combine(TestClips.ClipDirectory, "out-" + r.Key);
        await r.Value(path);
        return path;
    }));

    public static IEnumerable<string> Names => Recipes.Keys;

    public static Task<string> PathAsync(string name) => Made[name].Value;

    private static async Task Encode(Task<string> source, string path, params string[] arguments) =>
        await ProcessRunner.FfmpegAsync(["-i", await source, .. arguments, path]);
}
