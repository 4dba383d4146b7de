using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Chunking;

/// <summary>
/// Chunks rendered by the real pipeline and joined by the real stitch: a chunk is checked by its packet count and a full
/// decode in its own task; the stitch proves the joined file holds exactly the verified chunks (sha256, parameter sets,
/// packets) and names a chunk that is not as verified, so that nothing damaged is published.
/// </summary>
public sealed class ChunkVerificationTests(ChunkVerificationTests.RenderedParts parts) : IClassFixture<ChunkVerificationTests.RenderedParts>, IDisposable
{
    private static readonly OutputSettings Settings = new() { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" };
    private readonly TempDir _dir = new("chunks");

    public void Dispose() => _dir.Dispose();

    private static ChunkRange Chunk(int index) => new()
    {
        Index = (uint)index, Count = 3, FirstFrame = (ulong)(60 * index), FrameCount = 60, Last = index == 2,
        StartSeconds = 2 * index, DurationSeconds = 2, SeekSeconds = 2 * index, FrameRate = "30/1", GopFrames = 60,
    };

    /// <summary>
    /// The three chunks and the audio of the 6 s clip, rendered once for the class by the real pipeline (each
    /// test damages or joins its own copies).
    /// </summary>
    public sealed class RenderedParts : IAsyncLifetime
    {
        private readonly TempDir _dir = new("chunk-parts");

        public string Input { get; private set; } = "";

        public List<string> Chunks { get; } = [];

        public string Audio { get; private set; } = "";

        public List<OutputInfo> Outputs { get; } = [];

        public async Task InitializeAsync()
        {
            Input = await TestClips.CopyAsync(TestClips.ChunkableAsync(), _dir.File("reel.mp4"));
            for (var i = 0; i < 3; i++)
            {
                var (path, info) = await RenderChunkAsync(Input, _dir.File($"chunk-{i}.mp4"), i, Settings, _dir.File("out.mp4"));
                Chunks.Add(path);
                Outputs.Add(info);
            }

            Audio = _dir.File("audio.m4a");
            await new RenderPipeline(NullLogger<RenderPipeline>.Instance).RunAsync(
                new RenderRequest("a", Input, Audio, null, Settings, null, true, AudioOnly: true, FinalOutputPath: _dir.File("out.mp4")), _ => { }, CancellationToken.None);
        }

        public Task DisposeAsync()
        {
            _dir.Dispose();
            return Task.CompletedTask;
        }
    }

    private static async Task<(string Path, OutputInfo Info)> RenderChunkAsync(string input, string path, int index, OutputSettings settings, string final)
    {
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance);
        var info = await pipeline.RunAsync(new RenderRequest($"c{index}", input, path, null, settings, null, true, Chunk: Chunk(index), FinalOutputPath: final), _ => { }, CancellationToken.None);
        Assert.Equal(60ul, info.FrameCount);
        Assert.NotEmpty(info.ChunkProof.PacketDigest);
        return (path, info);
    }

    /// <summary>
    /// This test's copies of the class's chunks and audio, in its own temp folder; with <paramref name="middle"/>, the
    /// middle chunk is rendered again with those settings.
    /// </summary>
    private async Task<(string Input, List<string> Chunks, string Audio, List<OutputInfo> Outputs)> PartsAsync(OutputSettings? middle = null)
    {
        var chunks = new List<string>();
        var outputs = parts.Outputs.Select(o => o.Clone()).ToList();
        for (var i = 0; i < 3; i++)
        {
            var path = _dir.File($"chunk-{i}.mp4");
            if (i == 1 && middle is not null) outputs[i] = (await RenderChunkAsync(parts.Input, path, i, middle, _dir.File("out.mp4"))).Info;
            else File.Copy(parts.Chunks[i], path);
            chunks.Add(path);
        }

        var audio = _dir.File("audio.m4a");
        File.Copy(parts.Audio, audio);
        return (parts.Input, chunks, audio, outputs);
    }

    private StitchRequest Stitch(string input, List<string> chunks, string audio, List<OutputInfo>? outputs) =>
        new("s1", input, _dir.File("out.mp4"), chunks, [2, 2, 0], audio, 180, null, Settings, null, false, false, ChunkOutputs: outputs);

    /// <summary>Writes random bytes over the middle of the file, keeping its size and its packet table.</summary>
    /// <summary>What the agent expects of <paramref name="chunk"/> rendered from <paramref name="input"/> without audio.</summary>
    private static async Task<RenderExpectations> SilentChunkExpectAsync(string input, ChunkRange chunk)
    {
        var source = await MediaProbe.ProbeAsync(input, CancellationToken.None);
        PresetCatalog.TryGet(Settings.Preset, out var preset);
        var silent = Settings.Clone();
        silent.AudioCodec = AudioCodec.None;
        return ChunkCommands.ForChunk(RenderCommandBuilder.Build(silent, null, false, source, ".mp4"), chunk, preset).Expect;
    }

    private static async Task DamageAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var garbage = new byte[Math.Min(4096, bytes.Length / 4)];
        new Random(7).NextBytes(garbage);
        garbage.CopyTo(bytes, bytes.Length / 2);
        await File.WriteAllBytesAsync(path, bytes);
        Assert.Equal(60, (await MediaProbe.ProbeAsync(path, CancellationToken.None, countFrames: true)).FrameCount); // still 60 packets
    }

    /// <summary>
    /// Garbage inside the slice data of frames in the second half, every NAL length field left as it was: the file's
    /// structure is whole, only decoding finds the damage. A video-only chunk's media data is one run of length-prefixed
    /// (4-byte) NAL units.
    /// </summary>
    private static async Task DamageInsideFramesAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var mdat = bytes.AsSpan().IndexOf("mdat"u8) - 4;
        var end = mdat + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(mdat));
        var random = new Random(7);
        var damaged = 0;
        for (var at = mdat + 8; at + 4 < end;)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            if (at > (mdat + end) / 2 && length > 64)
            {
                random.NextBytes(bytes.AsSpan(at + 4 + 16, length - 32));
                damaged++;
            }

            at += 4 + length;
        }

        Assert.True(damaged > 0, "no frame was damaged");
        await File.WriteAllBytesAsync(path, bytes);
    }

    [Fact]
    public async Task VerifyChunk_FrameCountOtherThanPlanned_IsRefused()
    {
        var (input, chunks, _, _) = await PartsAsync();
        var planned = Chunk(1);
        planned.FrameCount = 61;
        var expect = await SilentChunkExpectAsync(input, planned);

        var refused = await Assert.ThrowsAsync<OutputVerificationException>(() => ChunkVerifier.VerifyChunkAsync(chunks[1], expect, planned, CancellationToken.None));

        Assert.Contains("chunk 2 has 60 frames, expected 61", refused.Message);
    }

    [Fact]
    public async Task VerifyChunk_ChunkThatDoesNotDecodeCleanly_IsRefusedNamingIt()
    {
        var (input, chunks, _, _) = await PartsAsync();
        await DamageInsideFramesAsync(chunks[1]);
        var expect = await SilentChunkExpectAsync(input, Chunk(1));

        var refused = await Assert.ThrowsAsync<OutputVerificationException>(() => ChunkVerifier.VerifyChunkAsync(chunks[1], expect, Chunk(1), CancellationToken.None, threads: 1));

        Assert.Contains("chunk 2 does not decode cleanly", refused.Message);
    }

    [Fact]
    public async Task VerifyChunk_ChunkWithBrokenFrameStructure_IsRefusedBeforeDecoding()
    {
        var (input, chunks, _, _) = await PartsAsync();
        await DamageAsync(chunks[1]);
        var expect = await SilentChunkExpectAsync(input, Chunk(1));

        var refused = await Assert.ThrowsAsync<OutputVerificationException>(() => ChunkVerifier.VerifyChunkAsync(chunks[1], expect, Chunk(1), CancellationToken.None, threads: 1));

        // Garbage over NAL length fields breaks the frames' structure, which the in-process read of the MP4 finds.
        Assert.StartsWith("chunk 2: the output is not a whole MP4 file: video frame ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("the frame is damaged", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stitch_CleanChunks_PublishesEveryFrameWithAudio()
    {
        var (input, chunks, audio, outputs) = await PartsAsync();
        var lines = new List<string>();

        var info = await new StitchPipeline().RunAsync(Stitch(input, chunks, audio, outputs), _ => { }, lines.Add, CancellationToken.None);

        Assert.Equal(180ul, info.FrameCount);
        Assert.Equal(180, await Ffprobe.CountFramesAsync(_dir.File("out.mp4")));
        Assert.NotNull(await Ffprobe.StreamAsync(_dir.File("out.mp4"), "a:0"));
        Assert.Equal("", await Measure.DecodeErrorsAsync(_dir.File("out.mp4")));
        Assert.Contains(lines, l => l.Contains("packets identical to the verified chunks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stitch_ChunkDamagedAfterItWasVerified_NamesThatChunkByItsSha256AndPublishesNothing()
    {
        var (input, chunks, audio, outputs) = await PartsAsync();
        await DamageAsync(chunks[1]);

        var failed = await Assert.ThrowsAsync<RenderFailedException>(() =>
            new StitchPipeline().RunAsync(Stitch(input, chunks, audio, outputs), _ => { }, _ => { }, CancellationToken.None));

        Assert.True(failed.DamagedChunks.SequenceEqual([1u]), failed.Message);
        Assert.Equal(FailureClass.Transient, failed.FailureClass);
        Assert.Contains("chunk(s) 2 changed after they were verified (sha256 ", failed.Message);
        Assert.False(File.Exists(_dir.File("out.mp4")));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, ".renderfarm-*"));
    }

    [Fact]
    public async Task Stitch_PlanWithoutChunkProofs_DecodesTheJoinedFileAndNamesADamagedChunk()
    {
        var (input, chunks, audio, _) = await PartsAsync();
        await DamageAsync(chunks[1]);

        var failed = await Assert.ThrowsAsync<RenderFailedException>(() =>
            new StitchPipeline().RunAsync(Stitch(input, chunks, audio, null), _ => { }, _ => { }, CancellationToken.None));

        Assert.True(failed.DamagedChunks.SequenceEqual([1u]), failed.Message);
        Assert.Contains("chunk(s) 2 do not decode cleanly", failed.Message);
        Assert.False(File.Exists(_dir.File("out.mp4")));
    }

    [Fact]
    public async Task Stitch_ChunkWithOtherParameterSets_IsRefusedNamingThatChunk()
    {
        var other = Settings.Clone();
        other.Preset = Preset.H264Proxy540P; // x264 veryfast: one reference frame in the sequence parameter set, not medium's three
        var (input, chunks, audio, outputs) = await PartsAsync(middle: other);
        Assert.NotEqual(outputs[0].ChunkProof.ParameterSetsSha256, outputs[1].ChunkProof.ParameterSetsSha256);
        Assert.Equal(outputs[0].ChunkProof.ParameterSetsSha256, outputs[2].ChunkProof.ParameterSetsSha256);

        var failed = await Assert.ThrowsAsync<RenderFailedException>(() =>
            new StitchPipeline().RunAsync(Stitch(input, chunks, audio, outputs), _ => { }, _ => { }, CancellationToken.None));

        Assert.True(failed.DamagedChunks.SequenceEqual([1u]), failed.Message);
        Assert.Contains("chunk(s) 2 were encoded with other codec parameter sets (SPS/PPS) than chunk(s) 1, 3", failed.Message);
        Assert.False(File.Exists(_dir.File("out.mp4")));
    }

    [Fact]
    public async Task JoinProof_JoinWithOtherParameterSetsOrReorderedAlteredOrDroppedPackets_IsCaught()
    {
        var (_, chunks, _, outputs) = await PartsAsync();
        async Task<VideoPackets> JoinAsync(string name, IEnumerable<int> order, params string[] args)
        {
            var list = _dir.File(name + ".ffconcat");
            await File.WriteAllLinesAsync(list, ["ffconcat version 1.0", .. order.Select(i => $"file {chunks[i]}")]);
            var joined = _dir.File(name + ".mp4");
            await ProcessRunner.FfmpegAsync(["-auto_convert", "0", "-f", "concat", "-safe", "0", "-i", list, "-map", "0:v", "-c", "copy", .. args, joined]);
            return await VideoPackets.ReadAsync(joined, CancellationToken.None);
        }

        var good = await JoinAsync("good", [0, 1, 2]);
        Assert.Equal(outputs[0].ChunkProof.ParameterSetsSha256, good.ParameterSets);
        JoinProof.CheckPackets(good, outputs);
        var otherSets = Assert.Throws<OutputVerificationException>(() => JoinProof.CheckPackets(good with { ParameterSets = "SHA256:00" }, outputs));
        Assert.Contains("the joined video's codec parameter sets (SPS/PPS, SHA256:00) are not its chunks'", otherSets.Message);
        var reordered = await JoinAsync("swapped", [0, 2, 1]);
        var swapped = Assert.Throws<OutputVerificationException>(() => JoinProof.CheckPackets(reordered, outputs));
        Assert.Contains("packets 60-119 are not chunk 2's verified packets", swapped.Message);
        var altered = await JoinAsync("altered", [0, 1, 2], "-bsf:v", "noise=amount=20000");
        Assert.Equal(180, altered.Pts.Count);
        Assert.Throws<OutputVerificationException>(() => JoinProof.CheckPackets(altered, outputs));
        var dropped = await JoinAsync("dropped", [0, 1, 2], "-bsf:v", "noise=dropamount=40");
        Assert.True(dropped.Pts.Count < 180);
        var short_ = Assert.Throws<OutputVerificationException>(() => JoinProof.CheckPackets(dropped, outputs));
        Assert.Contains($"the joined video has {dropped.Pts.Count} packets, its chunks 180", short_.Message);
    }
}
