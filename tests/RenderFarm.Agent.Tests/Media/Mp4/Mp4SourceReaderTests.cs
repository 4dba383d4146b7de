using System.Collections.Concurrent;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Agent.Media.Mp4;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media.Mp4;

/// <summary>
/// A new MP4/MOV input read in process must say exactly what ffprobe says of it (every field of <see cref="SourceInfo"/>,
/// and so every decision the agent builds from it); what the reader does not understand goes to ffprobe unchanged.
/// </summary>
public sealed class Mp4SourceReaderTests : IDisposable
{
    private const string Tiny = "testsrc2=s=320x180:r=30:d=1";
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new();
    private readonly TempDir _dir = new("mp4-source");

    public void Dispose() => _dir.Dispose();

    /// <summary>Clips the reader reads itself.</summary>
    public static TheoryData<string> ReadClips =>
    [
        "sdr", "untagged", "silent", "full-range", "b-frames", "ntsc-90k", "rotated-90", "rotated-180", "rotated-270",
        "hevc-hlg", "hevc-pq", "hevc-422-10bit", "hevc-full-range", "mov", "h264-container-colour", "hevc-container-colour",
        "vfr", "vfr-slow-start", "vfr-dropped-frames", "vfr-jitter-90k", "vfr-millisecond-timescale",
        "hevc-pq-mdcv-clli", "hevc-pq-mdcv-only",
    ];

    [Theory]
    [MemberData(nameof(ReadClips))]
    public async Task TryRead_Clip_EqualsFfprobeFieldByFieldAndBuildsTheSameCommands(string clip)
    {
        using var file = LocalFiles.OpenFile(await ClipAsync(clip));
        var probed = await MediaProbe.FfprobeAsync(file, CancellationToken.None);

        var read = Mp4SourceReader.TryRead(file.Handle, file.Name, out var reason);

        Assert.True(read is not null, $"{clip} fell back to ffprobe: {reason}");
        Assert.Equal(probed with { Hdr10 = null }, read with { Hdr10 = null });
        Assert.Equal(probed.Hdr10, read.Hdr10);
        foreach (var settings in Settings())
        {
            foreach (var (grade, lut) in new (Grade?, bool)[] { (null, false), (new Grade { Exposure = 0.5, Saturation = 1.2 }, true) })
            {
                Assert.Equal(BuiltCommands.Of(settings, grade, lut, probed), BuiltCommands.Of(settings, grade, lut, read));
            }
        }
    }

    [Fact]
    public async Task TryRead_PqClip_ReadsTheMasteringDisplayAndLightLevelFromTheSei()
    {
        using var file = LocalFiles.OpenFile(await ClipAsync("hevc-pq"));

        var read = Mp4SourceReader.TryRead(file.Handle, file.Name, out _);

        Assert.Equal(new Hdr10Metadata(new MasteringDisplay(34000, 16000, 13250, 34500, 7500, 3000, 15635, 16450, 10000000, 1), 1000, 400), read?.Hdr10);
    }

    /// <summary>Inputs the reader leaves to ffprobe: the probe then says exactly what ffprobe says (or fails as ffprobe fails).</summary>
    public static TheoryData<string> FallbackClips => ["mkv", "fragmented", "cut", "garbled", "not-media", "audio-only"];

    [Theory]
    [MemberData(nameof(FallbackClips))]
    public async Task ProbeAsync_InputTheReaderDoesNotTake_FallsBackToFfprobe(string clip)
    {
        using var file = LocalFiles.OpenFile(await ClipAsync(clip));

        var read = Mp4SourceReader.TryRead(file.Handle, file.Name, out var reason);
        var probed = await Outcome(() => MediaProbe.ProbeAsync(file, CancellationToken.None));
        var ffprobe = await Outcome(() => MediaProbe.FfprobeAsync(file, CancellationToken.None));

        Assert.Null(read);
        Assert.NotEmpty(reason);
        Assert.Equal(ffprobe, probed);
    }

    [Fact]
    public async Task TryRead_PhoneVfrClip_ReadsTheNominalRateOfItsFirstFrames()
    {
        using var file = LocalFiles.OpenFile(await ClipAsync("vfr"));

        var info = Mp4SourceReader.TryRead(file.Handle, file.Name, out var reason) ?? throw new InvalidOperationException(reason);

        Assert.True(info.IsVariableFrameRate, $"r={info.RealFrameRate} avg={info.AverageFrameRate}");
        Assert.Equal("30/1", info.RealFrameRate);
    }

    private static async Task<string> Outcome(Func<Task<SourceInfo>> probe)
    {
        try
        {
            return (await probe()).ToString();
        }
        catch (MediaProbeException ex)
        {
            // ffprobe's messages hold the address of its demuxer's context, which differs from run to run.
            return "MediaProbeException: " + System.Text.RegularExpressions.Regex.Replace(ex.Message, "0x[0-9a-f]+", "0x");
        }
    }

    private static IEnumerable<OutputSettings> Settings() =>
    [
        new OutputSettings { Preset = Preset.H264Proxy540P },
        new OutputSettings { Preset = Preset.HevcDelivery, BitDepth = 10, HdrMode = HdrMode.Keep },
        new OutputSettings { Preset = Preset.Prores422Proxy, FrameRateMode = FrameRateMode.Keep },
        new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant },
    ];

    private static Task<string> ClipAsync(string name) => name switch
    {
        "sdr" => TestClips.SdrAsync(),
        "untagged" => TestClips.UntaggedAsync(),
        "silent" => TestClips.SilentAsync(),
        "rotated-90" => TestClips.RotatedPortraitAsync(),
        "hevc-pq" => TestClips.PhonePqAsync(),
        "vfr" => TestClips.PhoneHlgAsync(),
        _ => Made.GetOrAdd(name, n => new Lazy<Task<string>>(() => MakeAsync(n))).Value,
    };

    /// <summary>
    /// <paramref name="boxes"/> appended to the first track's sample entry of a file whose movie box follows its media
    /// data (so no chunk offset moves); every enclosing box grows by their size.
    /// </summary>
    private static byte[] InsertIntoVideoSampleEntry(byte[] file, byte[] boxes)
    {
        var sizes = new List<int>();
        var at = 0;
        foreach (var wanted in (string[])["moov", "trak", "mdia", "minf", "stbl", "stsd"])
        {
            while (System.Text.Encoding.ASCII.GetString(file, at + 4, 4) != wanted) at += System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            sizes.Add(at);
            at += wanted == "stsd" ? 16 : 8;
        }

        Assert.True(file.AsSpan(0, sizes[0]).IndexOf("mdat"u8) >= 0, "the movie box must follow the media data");
        sizes.Add(at);
        var entryEnd = at + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
        byte[] result = [.. file.AsSpan(0, entryEnd), .. boxes, .. file.AsSpan(entryEnd)];
        foreach (var box in sizes)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(box),
                System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(result.AsSpan(box)) + boxes.Length);
        }

        return result;
    }

    private static async Task<string> MakeAsync(string name)
    {
        var path = Path.Combine(TestClips.ClipDirectory, "source-" + name + name switch { "mov" => ".mov", "mkv" => ".mkv", _ => ".mp4" });
        string[] x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"];
        string[] tone = ["-f", "lavfi", "-i", "sine=f=440:d=1:sample_rate=48000", "-c:a", "aac", "-shortest"];
        switch (name)
        {
            case "full-range":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", Tiny, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuvj420p", "-color_range", "pc", path]);
                break;
            case "b-frames":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", Tiny, .. tone[..4], "-c:v", "libx264", "-preset", "fast", "-pix_fmt", "yuv420p", .. tone[4..], path]);
                break;
            case "ntsc-90k":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", "testsrc2=s=320x180:r=30000/1001", "-frames:v", "26", "-c:v", "libx264", "-preset", "fast",
                    "-video_track_timescale", "90000", path]);
                break;
            case "rotated-180" or "rotated-270":
                await ProcessRunner.FfmpegAsync(["-i", await TestClips.SdrAsync(), "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=" + name[^3..], path]);
                break;
            case "hevc-hlg":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", Tiny, .. tone[..4], "-pix_fmt", "yuv420p10le", .. x265,
                    "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", .. tone[4..], path]);
                break;
            case "hevc-422-10bit":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", Tiny, "-pix_fmt", "yuv422p10le", .. x265, path]);
                break;
            case "hevc-full-range":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", Tiny, "-pix_fmt", "yuvj420p", "-color_range", "pc", .. x265, path]);
                break;
            case "mov":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", Tiny, .. tone[..4], "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", .. tone[4..], path]);
                break;
            case "h264-container-colour":
                await ProcessRunner.FfmpegAsync(["-i", await TestClips.UntaggedAsync(), "-map", "0", "-c", "copy",
                    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "pc", path]);
                break;
            case "hevc-container-colour":
                await ProcessRunner.FfmpegAsync(["-i", await ClipAsync("hevc-422-10bit"), "-map", "0", "-c", "copy",
                    "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", path]);
                break;
            case "vfr-slow-start":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", "testsrc2=s=320x180:r=15:d=1", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=1",
                    "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", path]);
                break;
            case "vfr-dropped-frames":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=2", "-vf", "select='not(eq(mod(n,7),3))'",
                    "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-video_track_timescale", "90000", path]);
                break;
            case "vfr-jitter-90k":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=2", "-vf", "setpts='(N/30+0.004*sin(N*1.7))/TB'",
                    "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-video_track_timescale", "90000", path]);
                break;
            case "vfr-millisecond-timescale":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=1", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24:d=1",
                    "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast",
                    "-video_track_timescale", "1000", path]);
                break;
            case "hevc-pq-mdcv-clli" or "hevc-pq-mdcv-only":
                // Boxes that say otherwise than the SEI (x265 writes only the SEI): MediaProbe's ffprobe pass reports the SEI's.
                byte[] mdcv = [0, 0, 0, 32, .. "mdcv"u8, 0x33, 0x90, 0x86, 0xC4, 0x1D, 0x4C, 0x0B, 0xB8, 0x84, 0xD0, 0x3E, 0x80, 0x3D, 0x13, 0x40, 0x42,
                    0x00, 0x98, 0x96, 0x80, 0x00, 0x00, 0x00, 0x32];
                byte[] clli = [0, 0, 0, 12, .. "clli"u8, 0x02, 0x58, 0x00, 0xC8];
                await File.WriteAllBytesAsync(path, InsertIntoVideoSampleEntry(
                    await File.ReadAllBytesAsync(await TestClips.PhonePqAsync()), name.EndsWith("clli", StringComparison.Ordinal) ? [.. mdcv, .. clli] : mdcv));
                break;
            case "mkv":
                await ProcessRunner.FfmpegAsync(["-i", await TestClips.SdrAsync(), "-map", "0", "-c", "copy", path]);
                break;
            case "fragmented":
                await ProcessRunner.FfmpegAsync(["-i", await TestClips.SdrAsync(), "-map", "0", "-c", "copy", "-movflags", "frag_keyframe+empty_moov", path]);
                break;
            case "audio-only":
                await ProcessRunner.FfmpegAsync(["-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac", path]);
                break;
            case "cut":
                var whole = await File.ReadAllBytesAsync(await TestClips.SdrAsync());
                await File.WriteAllBytesAsync(path, whole[..(whole.Length / 2)]);
                break;
            case "garbled":
                var bytes = await File.ReadAllBytesAsync(await TestClips.SdrAsync());
                var moov = bytes.AsSpan().IndexOf("moov"u8);
                new Random(7).NextBytes(bytes.AsSpan(moov + 100, Math.Min(400, bytes.Length - moov - 100)));
                await File.WriteAllBytesAsync(path, bytes);
                break;
            case "not-media":
                await File.WriteAllTextAsync(path, "this is not a video");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such clip");
        }

        return path;
    }
}
