using RenderFarm.Agent.Media;

namespace RenderFarm.Agent.Tests.Media;

/// <summary>Probed-source stand-ins for command building tests.</summary>
internal static class Sources
{
    public static SourceInfo Sdr(int width = 1920, int height = 1080, string space = "bt709", bool audio = true) => new(
        width, height, 0, TimeSpan.FromSeconds(10), "h264", "High", "yuv420p", 8,
        space.Length == 0 ? "" : "bt709", space.Length == 0 ? "" : "bt709", space, space.Length == 0 ? "" : "tv",
        "25/1", "25/1", 250, audio, audio ? "aac" : "", 1000);

    public static SourceInfo Untagged() => Sdr(space: "");

    public static SourceInfo PhoneHlg(int width = 1080, int height = 1920) => new(
        width, height, 90, TimeSpan.FromSeconds(10), "hevc", "Main 10", "yuv420p10le", 10,
        "bt2020", "arib-std-b67", "bt2020nc", "tv", "30/1", "2987/100", 299, true, "aac", 1000);
}
