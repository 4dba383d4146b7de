using Google.Protobuf;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media;

public sealed class ProbeReuseTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Clips => ["phone-hlg", "phone-pq", "rotated", "untagged", "sdr"];

    private static Task<string> ClipAsync(string name) => name switch
    {
        "phone-hlg" => TestClips.PhoneHlgAsync(),
        "phone-pq" => TestClips.PhonePqAsync(),
        "rotated" => TestClips.RotatedPortraitAsync(),
        "untagged" => TestClips.UntaggedAsync(),
        _ => TestClips.SdrAsync(),
    };

    [Theory]
    [MemberData(nameof(Clips))]
    public async Task ToSourceInfo_FactsKeptAsTheCoordinatorKeepsThem_BuildTheSameCommands(string clip)
    {
        using var file = LocalFiles.OpenFile(await ClipAsync(clip));
        var probed = await MediaProbe.ProbeAsync(file, CancellationToken.None);

        // Through the coordinator's table (canonical JSON) and back, as a later task receives them.
        var json = new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(false)).Format(probed.ToFacts());
        var reused = JsonParser.Default.Parse<SourceFacts>(json).ToSourceInfo();

        Assert.Equal(probed, reused);
        // The colour pipeline's decisions (tone-mapping or keeping HDR, frame rate snapping, rotation, bit depth) are the same.
        foreach (var settings in new[]
        {
            new OutputSettings { Preset = Preset.H264Proxy540P },
            new OutputSettings { Preset = Preset.HevcDelivery, BitDepth = 10, HdrMode = HdrMode.Keep },
            new OutputSettings { Preset = Preset.Prores422Proxy, FrameRateMode = FrameRateMode.Keep },
            new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "25" },
        })
        {
            foreach (var (grade, lut) in new (Grade?, bool)[] { (null, false), (new Grade { Exposure = 0.5, Saturation = 1.2 }, true) })
            {
                Assert.Equal(BuiltCommands.Of(settings, grade, lut, probed), BuiltCommands.Of(settings, grade, lut, reused));
            }
        }
    }

    [Fact]
    public async Task Describes_SameOpenFileUnchanged_True()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);

        var facts = await StampedAsync(file);

        Assert.NotNull(facts);
        Assert.True(ProbeReuse.Describes(facts, file, sha256: null));
    }

    [Fact]
    public async Task Describes_FactsRecordedWithoutTheContainerDuration_False()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);
        var facts = await StampedAsync(file);
        Assert.NotNull(facts);
        Assert.True(facts.ContainerDurationSeconds > 0);

        facts.ContainerDurationSeconds = 0;

        Assert.False(ProbeReuse.Describes(facts, file, sha256: null));
    }

    [Fact]
    public async Task Describes_FileRewrittenInPlaceWithSameSizeAndMtime_False()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);
        var facts = await StampedAsync(file);
        var mtime = (await ProcessRunner.RunAsync("stat", ["-c", "%.9Y", path])).StandardOutput.Trim();

        // The same bytes written again over themselves, and the modification time put back to the nanosecond.
        var bytes = await File.ReadAllBytesAsync(path);
        await using (var writer = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            await writer.WriteAsync(bytes);
        }

        await ProcessRunner.RunAsync("touch", ["-d", "@" + mtime, path]);

        Assert.Equal(mtime, (await ProcessRunner.RunAsync("stat", ["-c", "%.9Y", path])).StandardOutput.Trim());
        Assert.Equal(facts!.SizeBytes, file.Stamp().Length);
        Assert.False(ProbeReuse.Describes(facts, file, sha256: null));
    }

    [Fact]
    public async Task Describes_AnotherFileWithTheSameBytesAndMtime_False()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);
        var facts = await StampedAsync(file);
        var other = await CopyClipAsync("other.mp4");
        await ProcessRunner.RunAsync("touch", ["-r", path, other]);
        using var otherFile = LocalFiles.OpenFile(other);

        Assert.Equal(file.Stamp().ModifiedNs, otherFile.Stamp().ModifiedNs);
        Assert.False(ProbeReuse.Describes(facts, otherFile, sha256: null));
    }

    [Fact]
    public async Task Stamp_FileChangedJustBeforeTheProbe_NotKept()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);
        var stamp = file.Stamp();
        var probed = (await MediaProbe.ProbeAsync(file, CancellationToken.None)).ToFacts();

        // The probe started less than the settle time after the file last changed: a rewrite within the file system's
        // clock step could keep that change time, so the facts are not kept.
        var changed = DateTimeOffset.FromUnixTimeMilliseconds(stamp.ChangedNs / 1_000_000);
        Assert.Null(ProbeReuse.Stamp(probed, stamp, file.Stamp(), changed + (ProbeReuse.SettleTime / 2), sha256: null));
        Assert.NotNull(ProbeReuse.Stamp(probed, stamp, file.Stamp(), changed + (ProbeReuse.SettleTime * 2), sha256: null));
        // It changed while it was probed.
        Assert.Null(ProbeReuse.Stamp(probed, stamp with { ChangedNs = stamp.ChangedNs + 1 }, file.Stamp(), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1), sha256: null));
    }

    [Fact]
    public async Task Describes_TransferMode_ComparesContentNotTimes()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);
        var probed = (await MediaProbe.ProbeAsync(file, CancellationToken.None)).ToFacts();
        var sha = await RenderPipeline.Sha256Async(path, CancellationToken.None);
        var facts = ProbeReuse.Stamp(probed, file.Stamp(), file.Stamp(), DateTimeOffset.UtcNow, sha);

        Assert.NotNull(facts);
        Assert.True(ProbeReuse.Describes(facts, file, sha));
        Assert.False(ProbeReuse.Describes(facts, file, new string('0', 64)));
        Assert.False(ProbeReuse.Describes(facts, file, sha256: null));
    }

    [Fact]
    public async Task Describes_FactsWithoutStamp_False()
    {
        var path = await CopyClipAsync("clip.mp4");
        using var file = LocalFiles.OpenFile(path);
        var probed = (await MediaProbe.ProbeAsync(file, CancellationToken.None)).ToFacts();

        Assert.Equal(file.Length, probed.SizeBytes);
        Assert.False(ProbeReuse.Describes(probed, file, sha256: null));
    }

    private async Task<string> CopyClipAsync(string name)
    {
        var path = await TestClips.CopyAsync(TestClips.SdrAsync(), _dir.File(name));
        return path;
    }

    /// <summary>Probes the open file and stamps the facts, as if the probe had started well after the file last changed.</summary>
    private static async Task<SourceFacts?> StampedAsync(Protos.Media.Beneath.MediaFile file)
    {
        // Facts are stamped only for a file that settled before its probe (ProbeReuse.SettleTime), so a later change is
        // on a later tick of the file system's clock. The probe itself takes about a millisecond now.
        await Task.Delay(ProbeReuse.SettleTime * 2);
        var before = file.Stamp();
        var probed = (await MediaProbe.ProbeAsync(file, CancellationToken.None)).ToFacts();
        return ProbeReuse.Stamp(probed, before, file.Stamp(), DateTimeOffset.UtcNow + ProbeReuse.SettleTime + TimeSpan.FromSeconds(1), sha256: null);
    }
}
