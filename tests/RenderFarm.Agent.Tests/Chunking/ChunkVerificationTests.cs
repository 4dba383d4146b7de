using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media;
using RenderFarm.Protos.Presets;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Chunking;

/// <summary>
/// Chunks rendered by the real pipeline and joined by the real stitch: a chunk is checked by its packet count, and the
/// stitch's single decode of the joined file names a damaged chunk so that nothing damaged is published.
/// </summary>
public sealed class ChunkVerificationTests : IDisposable
{
    private static readonly OutputSettings Settings = new() { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" };
    private readonly TempDir _dir = new("chunks");

    public void Dispose() => _dir.Dispose();

    private static ChunkRange Chunk(int index) => new()
    {
        Index = (uint)index, Count = 3, FirstFrame = (ulong)(60 * index), FrameCount = 60, Last = index == 2,
        StartSeconds = 2 * index, DurationSeconds = 2, SeekSeconds = 2 * index, FrameRate = "30/1", GopFrames = 60,
    };

    /// <summary>Renders the three chunks and the audio of the 6 s clip into the temp folder.</summary>
    private async Task<(string Input, List<string> Chunks, string Audio)> RenderPartsAsync()
    {
        var input = await TestClips.CopyAsync(TestClips.ChunkableAsync(), _dir.File("reel.mp4"));
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance);
        var final = _dir.File("out.mp4");
        var chunks = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var path = _dir.File($"chunk-{i}.mp4");
            var info = await pipeline.RunAsync(new RenderRequest($"c{i}", input, path, null, Settings, null, true, Chunk: Chunk(i), FinalOutputPath: final), _ => { }, CancellationToken.None);
            Assert.Equal(60ul, info.FrameCount);
            chunks.Add(path);
        }

        var audio = _dir.File("audio.m4a");
        await pipeline.RunAsync(new RenderRequest("a", input, audio, null, Settings, null, true, AudioOnly: true, FinalOutputPath: final), _ => { }, CancellationToken.None);
        return (input, chunks, audio);
    }

    private StitchRequest Stitch(string input, List<string> chunks, string audio) =>
        new("s1", input, _dir.File("out.mp4"), chunks, [2, 2, 0], audio, 180, null, Settings, null, false, false);

    [Fact]
    public async Task VerifyChunk_FrameCountOtherThanPlanned_IsRefused()
    {
        var (input, chunks, _) = await RenderPartsAsync();
        var source = await MediaProbe.ProbeAsync(input, CancellationToken.None);
        PresetCatalog.TryGet(Settings.Preset, out var preset);
        var silent = Settings.Clone();
        silent.AudioCodec = AudioCodec.None;
        var planned = Chunk(1);
        planned.FrameCount = 61;
        var expect = ChunkCommands.ForChunk(RenderCommandBuilder.Build(silent, null, false, source, ".mp4"), planned, preset).Expect;

        var refused = await Assert.ThrowsAsync<OutputVerificationException>(() => ChunkVerifier.VerifyChunkAsync(chunks[1], expect, planned, CancellationToken.None));

        Assert.Contains("chunk 2 has 60 frames, expected 61", refused.Message);
    }

    [Fact]
    public async Task Stitch_CleanChunks_PublishesEveryFrameWithAudio()
    {
        var (input, chunks, audio) = await RenderPartsAsync();

        var info = await new StitchPipeline().RunAsync(Stitch(input, chunks, audio), _ => { }, _ => { }, CancellationToken.None);

        Assert.Equal(180ul, info.FrameCount);
        Assert.Equal(180, await Ffprobe.CountFramesAsync(_dir.File("out.mp4")));
        Assert.NotNull(await Ffprobe.StreamAsync(_dir.File("out.mp4"), "a:0"));
        Assert.Equal("", await Measure.DecodeErrorsAsync(_dir.File("out.mp4")));
    }

    [Fact]
    public async Task Stitch_ChunkDamagedAfterItWasVerified_NamesThatChunkAndPublishesNothing()
    {
        var (input, chunks, audio) = await RenderPartsAsync();
        var bytes = await File.ReadAllBytesAsync(chunks[1]);
        var garbage = new byte[Math.Min(4096, bytes.Length / 4)];
        new Random(7).NextBytes(garbage);
        garbage.CopyTo(bytes, bytes.Length / 2);
        await File.WriteAllBytesAsync(chunks[1], bytes);
        Assert.Equal(60, (await MediaProbe.ProbeAsync(chunks[1], CancellationToken.None, countFrames: true)).FrameCount); // still 60 packets

        var failed = await Assert.ThrowsAsync<RenderFailedException>(() =>
            new StitchPipeline().RunAsync(Stitch(input, chunks, audio), _ => { }, _ => { }, CancellationToken.None));

        Assert.True(failed.DamagedChunks.SequenceEqual([1u]), failed.Message);
        Assert.Equal(FailureClass.Transient, failed.FailureClass);
        Assert.Contains("chunk(s) 2 do not decode cleanly", failed.Message);
        Assert.False(File.Exists(_dir.File("out.mp4")));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, ".renderfarm-*"));
    }
}
