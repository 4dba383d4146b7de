using System.Collections.Concurrent;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Sources for fault tests, built on <see cref="TestClips"/> and made once per test run in its clip folder.
/// Copy one into a farm's media folder before use.
/// </summary>
public static class FaultClips
{
    /// <summary>Length of <see cref="TakeAsync"/> in seconds.</summary>
    public const int TakeSeconds = 8;

    /// <summary>Frames of <see cref="TakeAsync"/> (8 s at 30 fps).</summary>
    public const long TakeFrames = TakeSeconds * 30;

    /// <summary>Frames of <see cref="TestClips.SdrAsync"/> (2 s at 30 fps).</summary>
    public const long ShortFrames = 60;

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();

    /// <summary>
    /// The source of the renders a fault interrupts: H.264 yuv420p, 320x180 (renders keep that size: presets never
    /// upscale), 30 fps constant, 8 s, a keyframe every second (so it splits into chunks), BT.709 tags, AAC tone.
    /// Small on purpose: what is in flight when a fault strikes is set by a gated ffmpeg (see
    /// <see cref="FfmpegStandIn.WriteGated"/>), not by the clip's length, so a longer or larger clip only costs CPU.
    /// </summary>
    public static Task<string> TakeAsync() =>
        Cache.GetOrAdd("fault-take.mp4", name => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(TestClips.ClipDirectory, name);
            await ProcessRunner.FfmpegAsync(
                "-f", "lavfi", "-i", $"testsrc2=s={TestClips.Width}x{TestClips.Height}:r=30:d={TakeSeconds}",
                "-f", "lavfi", "-i", $"sine=f=440:d={TakeSeconds}:sample_rate=48000",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p",
                "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
                "-c:a", "aac", "-shortest", path + ".part.mp4");
            File.Move(path + ".part.mp4", path, overwrite: true);
            return path;
        })).Value;

    /// <summary>
    /// <see cref="TakeAsync"/> with its index moved to the front (faststart) and then cut in half: ffprobe still
    /// reads 8 s from the index, but the second half of the media data is missing.
    /// </summary>
    public static Task<string> TruncatedAsync() =>
        Cache.GetOrAdd("fault-truncated.mp4", name => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(TestClips.ClipDirectory, name);
            var full = path + ".full.mp4";
            await ProcessRunner.FfmpegAsync("-i", await TakeAsync(), "-c", "copy", "-movflags", "+faststart", full);
            var bytes = await File.ReadAllBytesAsync(full);
            await File.WriteAllBytesAsync(path + ".part", bytes[..(bytes.Length / 2)]);
            File.Move(path + ".part", path, overwrite: true);
            File.Delete(full);
            return path;
        })).Value;

    /// <summary>Random bytes under a video file name (the same bytes every run).</summary>
    public static async Task<string> WriteGarbageAsync(string path, int length = 300_000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[length];
        new Random(20261125).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    /// <summary>Copies a clip into a farm's media folder (creating its folder) and returns the copy's path.</summary>
    public static async Task<string> CopyToAsync(Task<string> clip, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(await clip, path, overwrite: true);
        return path;
    }
}
