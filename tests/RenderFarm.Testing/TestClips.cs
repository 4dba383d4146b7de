using System.Collections.Concurrent;

namespace RenderFarm.Testing;

/// <summary>
/// Small generated clips (testsrc2 picture + sine tone, about 2 s at 320x180), made once per test process in a
/// shared temp folder. Treat the returned files as read-only: copy one before changing or renaming it.
/// </summary>
public static class TestClips
{
    /// <summary>Clip width before rotation.</summary>
    public const int Width = 320;

    /// <summary>Clip height before rotation.</summary>
    public const int Height = 180;

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();
    private static readonly Lazy<string> Folder = new(() =>
    {
        RemoveLeftovers();
        var dir = Directory.CreateTempSubdirectory($"renderfarm-clips-{Environment.ProcessId}-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return dir;
    });

    /// <summary>
    /// Removes the clip folders of test processes that are gone: one that exits early (killed, or a host that crashes)
    /// never runs its exit handler, so the next test process cleans up after it.
    /// </summary>
    public static void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "renderfarm-clips-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[2], out var pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The shared folder the clips are written to.</summary>
    public static string ClipDirectory => Folder.Value;

    /// <summary>H.264 yuv420p, 30 fps constant, 2 s, tagged BT.709 (all four tags), AAC stereo tone.</summary>
    public static Task<string> SdrAsync() => Make("sdr.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=30:d=2", "-f", "lavfi", "-i", "sine=f=440:d=2:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-shortest", path));

    /// <summary>H.264 yuv420p, 25 fps, 2 s, without any colour tags, with audio.</summary>
    public static Task<string> UntaggedAsync() => Make("untagged.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=25:d=2", "-f", "lavfi", "-i", "sine=f=440:d=2:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path));

    /// <summary>H.264 yuv420p, 30 fps, 2 s, BT.709 tags, no audio stream.</summary>
    public static Task<string> SilentAsync() => Make("silent.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=30:d=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv", path));

    /// <summary>
    /// Like a phone: HEVC Main 10 yuv420p10le, HLG with BT.2020 tags, variable frame rate (1 s at 30 fps then 1 s at
    /// 15 fps, 45 frames, r_frame_rate 30/1 but a lower average), AAC tone of 2 s.
    /// </summary>
    public static Task<string> PhoneHlgAsync() => Make("phone-hlg.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=30:d=1", "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=15:d=1",
        "-f", "lavfi", "-i", "sine=f=440:d=2:sample_rate=48000",
        "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p10le[v]", "-map", "[v]", "-map", "2:a",
        "-fps_mode", "passthrough", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
        "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv",
        "-c:a", "aac", path));

    /// <summary>
    /// Like a phone's HDR10 clip: HEVC Main 10, PQ with BT.2020 tags and HDR10 metadata in the stream (mastering display
    /// P3 D65 1000 / 0.0001 cd/m2, MaxCLL 1000, MaxFALL 400), 30 fps, 2 s, a keyframe every second, AAC tone.
    /// </summary>
    public static Task<string> PhonePqAsync() => Make("phone-pq.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=30:d=2", "-f", "lavfi", "-i", "sine=f=440:d=2:sample_rate=48000",
        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv,"
            + "zscale=tin=bt709:min=bt709:pin=bt709:rin=limited:t=linear:npl=203:p=bt2020,format=gbrpf32le,"
            + "zscale=tin=linear:pin=bt2020:t=smpte2084:m=bt2020nc:r=limited:npl=203,format=yuv420p10le",
        "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
        "-x265-params", "log-level=error:keyint=30:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400",
        "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv",
        "-c:a", "aac", "-shortest", path));

    /// <summary>The <see cref="SdrAsync"/> clip (coded 320x180) with a 90 degree display matrix: shown as 180x320 portrait.</summary>
    public static Task<string> RotatedPortraitAsync() => Make("rotated.mp4", async path =>
    {
        var sdr = await SdrAsync().ConfigureAwait(false);
        await ProcessRunner.FfmpegAsync("-i", sdr, "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90", path).ConfigureAwait(false);
    });

    /// <summary>A longer H.264 clip (20 s, 640x360, 30 fps, BT.709, with audio) for renders that must still be running when canceled.</summary>
    public static Task<string> LongAsync() => Make("long.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=20", "-f", "lavfi", "-i", "sine=f=440:d=20:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-shortest", path));

    /// <summary>For split-and-stitch: H.264 yuv420p, 30 fps, 6 s, a keyframe every second, BT.709 tags, AAC tone of 6 s.</summary>
    public static Task<string> ChunkableAsync() => Make("chunkable.mp4", path => ProcessRunner.FfmpegAsync(
        "-f", "lavfi", "-i", $"testsrc2=s={Width}x{Height}:r=30:d=6", "-f", "lavfi", "-i", "sine=f=440:d=6:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-c:a", "aac", "-shortest", path));

    /// <summary>Copies a clip to <paramref name="path"/> (e.g. to give it a hostile name) and returns the path.</summary>
    public static async Task<string> CopyAsync(Task<string> clip, string path)
    {
        File.Copy(await clip.ConfigureAwait(false), path, overwrite: true);
        return path;
    }

    private static Task<string> Make(string name, Func<string, Task> create) =>
        Cache.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(Folder.Value, n);
            var temp = path + ".part" + Path.GetExtension(n);
            await create(temp).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
            return path;
        })).Value;
}
