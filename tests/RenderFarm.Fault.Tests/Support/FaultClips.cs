using System.Collections.Concurrent;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Sources for fault tests, built on <see cref="TestClips"/> and made once per test run in its clip folder.
/// Copy one into a farm's media folder before use.
/// </summary>
public static class FaultClips
{
    /// <summary>Frames of <see cref="TestClips.LongAsync"/> (20 s at 30 fps).</summary>
    public const long LongFrames = 600;

    /// <summary>Frames of <see cref="TestClips.SdrAsync"/> (2 s at 30 fps).</summary>
    public const long ShortFrames = 60;

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();

    /// <summary>
    /// <see cref="TestClips.LongAsync"/> with its index moved to the front (faststart) and then cut in half:
    /// ffprobe still reads 20 s from the index, but the second half of the media data is missing.
    /// </summary>
    public static Task<string> TruncatedAsync() =>
        Cache.GetOrAdd("fault-truncated.mp4", name => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(TestClips.ClipDirectory, name);
            var full = path + ".full.mp4";
            await ProcessRunner.FfmpegAsync("-i", await TestClips.LongAsync(), "-c", "copy", "-movflags", "+faststart", full);
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
