using System.Collections.Concurrent;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Clips and LUTs for the race tests, inside and outside the media root, visibly different: the inside clip is
/// testsrc2 at 320x180, 60 frames; the outside one a red 192x108 clip of 45 frames; the outside LUT paints
/// everything green. Both clips have a keyframe every half second, so they split into chunks and pieces.
/// </summary>
public static class RaceClips
{
    /// <summary>An identity 3D LUT (2 points a side).</summary>
    public const string IdentityLut = "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n";

    /// <summary>A 3D LUT that maps every colour to pure green.</summary>
    public const string GreenLut = "LUT_3D_SIZE 2\n0 1 0\n0 1 0\n0 1 0\n0 1 0\n0 1 0\n0 1 0\n0 1 0\n0 1 0\n";

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();

    public static Task<string> InsideAsync() => Make("race-inside.mp4", "testsrc2=s=320x180:r=30:d=2", 2);

    public static Task<string> OutsideAsync() => Make("race-outside.mp4", "color=c=red:s=192x108:r=30:d=1.5", 1.5);

    /// <summary>The inside clip with a comment of its own, so its bytes (and SHA-256) differ from every other try's.</summary>
    public static async Task<string> UniqueInsideAsync(string path, int tryNumber)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await ProcessRunner.FfmpegAsync("-i", await InsideAsync(), "-map", "0", "-c", "copy", "-metadata", $"comment=try {tryNumber}", "-y", path);
        return path;
    }

    public static async Task<string> CopyAsync(Task<string> clip, string path)
    {
        File.Copy(await clip, path, overwrite: true);
        return path;
    }

    private static Task<string> Make(string name, string video, double seconds) =>
        Cache.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(TestClips.ClipDirectory, n);
            await ProcessRunner.FfmpegAsync(
                "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", $"sine=f=440:d={seconds}:sample_rate=48000",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p",
                "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
                "-c:a", "aac", "-shortest", "-y", path + ".part.mp4");
            File.Move(path + ".part.mp4", path, overwrite: true);
            return path;
        })).Value;
}
