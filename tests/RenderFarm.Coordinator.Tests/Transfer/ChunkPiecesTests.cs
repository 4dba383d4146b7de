using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Execution;
using RenderFarm.Coordinator.Chunking;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Coordinator.Transfer;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Transfer;

/// <summary>
/// Pieces the coordinator cuts for chunk tasks (real ffmpeg): a chunk encoded from its piece is byte for byte the
/// chunk encoded from the whole input, for a constant-rate source, a source with B-frames and keyframes off the
/// millisecond grid, and a variable-rate 10-bit HEVC phone clip; and the piece is served by its SHA-256.
/// </summary>
public sealed class ChunkPiecesTests : IDisposable
{
    private readonly TempDir _dir = new("pieces");

    public void Dispose() => _dir.Dispose();

    private string Media => _dir.File("media");

    public static TheoryData<string, Preset, FrameRateMode, string> Sources => new()
    {
        { "chunkable", Preset.H264Delivery, FrameRateMode.Constant, "30" },
        { "bframes-ntsc", Preset.H264Proxy540P, FrameRateMode.Constant, "25" },
        { "phone-hlg", Preset.HevcDelivery, FrameRateMode.Keep, "" },
        { "phone-hlg", Preset.H264Proxy540P, FrameRateMode.Unspecified, "" },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task ChunkFromPiece_IsByteIdenticalToTheChunkFromTheWholeInput(string clip, Preset preset, FrameRateMode mode, string rate)
    {
        Directory.CreateDirectory(Media);
        var input = Path.Combine(Media, "source.mp4");
        await MakeAsync(clip, input);
        var settings = new OutputSettings { Preset = preset, FrameRateMode = mode, FrameRate = rate };
        var probe = await ProbeRunner.RunAsync(input, "out.mp4", settings, null, false, _ => { }, CancellationToken.None);
        var chunks = ChunkPlanner.Plan(probe, TimeSpan.FromSeconds(0.7), TimeSpan.Zero, 64)!;
        Assert.NotNull(chunks);
        PieceBounds.Apply(chunks, probe);
        var pieces = Pieces(out var index);
        var inputBlob = await index.DescribeAsync(new MediaRef { Root = "media", Path = "source.mp4" }, CancellationToken.None);

        var cut = 0;
        foreach (var chunk in new[] { chunks[1], chunks[^1] })
        {
            var work = new Assignment
            {
                TaskId = $"job-c{chunk.Index:D4}", Kind = TaskKind.Chunk, Chunk = chunk, Settings = settings,
                Input = new MediaRef { Root = "media", Path = "source.mp4" },
                Output = new MediaRef { Root = "media", Path = $".renderfarm-job-x/chunk-{chunk.Index:D4}.mp4" },
            };
            var piece = await pieces.CutAsync(work, inputBlob, CancellationToken.None);
            if (piece is null)
            {
                // Refused as inexact (a variable-rate source); never for a constant-rate one.
                Assert.Equal("phone-hlg", clip);
                Assert.False(File.Exists(Path.Combine(Media, ".renderfarm-job-x", $"piece-{chunk.Index:D4}.mp4")));
                continue;
            }

            cut++;
            var piecePath = Path.Combine(Media, piece.Blob.Media.Path);
            Assert.Equal(Sha256(piecePath), piece.Blob.Sha256);
            Assert.Equal(piece.Blob.Sha256, index.Find(piece.Blob.Sha256)?.Sha256);
            Assert.True(pieces.Serves(work, piece.Blob.Media));
            Assert.False(pieces.Serves(work, work.Input));
            Assert.True(new FileInfo(piecePath).Length < new FileInfo(input).Length || chunk.SeekSeconds == 0);

            var fromWhole = await RenderChunkAsync(input, chunk, settings, $"whole-{chunk.Index}.mp4", fromPiece: false);
            var fromPiece = await RenderChunkAsync(piecePath, chunk, settings, $"piece-{chunk.Index}.mp4", fromPiece: true);
            Assert.Equal(fromWhole.FrameCount, fromPiece.FrameCount);
            Assert.Equal(chunk.FrameCount, fromPiece.FrameCount);
            Assert.Equal(fromWhole.Sha256, fromPiece.Sha256);
        }

        // A constant-rate output takes its rate from the plan, so a variable-rate source is still cut away from its end.
        Assert.True(cut == 2 || (clip == "phone-hlg" && (mode == FrameRateMode.Keep || cut >= 1)), $"{cut} of 2 chunks were cut");
    }

    [Fact]
    public async Task CutAsync_PieceTooLargeAShareOfTheInput_SendsTheWholeInput()
    {
        Directory.CreateDirectory(Media);
        var input = Path.Combine(Media, "source.mp4");
        await MakeAsync("chunkable", input);
        var settings = new OutputSettings { Preset = Preset.H264Delivery, FrameRateMode = FrameRateMode.Constant, FrameRate = "30" };
        var probe = await ProbeRunner.RunAsync(input, "out.mp4", settings, null, false, _ => { }, CancellationToken.None);
        var chunks = ChunkPlanner.Plan(probe, TimeSpan.FromSeconds(3), TimeSpan.Zero, 64)!;
        PieceBounds.Apply(chunks, probe);
        var pieces = Pieces(out var index, maxShare: 0.5);
        var inputBlob = await index.DescribeAsync(new MediaRef { Root = "media", Path = "source.mp4" }, CancellationToken.None);
        var work = new Assignment
        {
            TaskId = "job-c0000", Kind = TaskKind.Chunk, Chunk = chunks[0], Settings = settings,
            Input = new MediaRef { Root = "media", Path = "source.mp4" },
            Output = new MediaRef { Root = "media", Path = ".renderfarm-job-x/chunk-0000.mp4" },
        };

        Assert.Null(await pieces.CutAsync(work, inputBlob, CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(Media, ".renderfarm-job-x")));
    }

    private ChunkPieces Pieces(out BlobIndex index, double maxShare = 1)
    {
        var metrics = new FarmMetrics();
        var roots = new MediaRoots(new Dictionary<string, string> { ["media"] = Media });
        index = new BlobIndex(new TransferMetrics(metrics), roots, Options.Create(new TransferOptions()));
        return new ChunkPieces(index, roots, metrics, Options.Create(new ChunkPieceOptions { MaxShareOfInput = maxShare }), NullLogger<ChunkPieces>.Instance);
    }

    private async Task<OutputInfo> RenderChunkAsync(string input, ChunkRange chunk, OutputSettings settings, string name, bool fromPiece)
    {
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance, new RenderPipelineOptions { Threads = 1 });
        var request = new RenderRequest("attempt-" + name.Replace('.', '-'), input, _dir.File(name), null, settings, null, Overwrite: true,
            Chunk: chunk, FinalOutputPath: "final.mp4", FromPiece: fromPiece);
        return await pipeline.RunAsync(request, _ => { }, CancellationToken.None);
    }

    private static async Task MakeAsync(string clip, string path)
    {
        switch (clip)
        {
            case "chunkable":
                File.Copy(await TestClips.ChunkableAsync(), path);
                break;
            case "phone-hlg":
                // Variable rate (30 then 15 fps), HEVC Main 10 HLG with a keyframe every 10 frames, 1/1000000 time base.
                await ProcessRunner.FfmpegAsync(
                    "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=1.5", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=15:d=1.5",
                    "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p10le[v]", "-map", "[v]",
                    "-fps_mode", "passthrough", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:keyint=10:min-keyint=10", "-tag:v", "hvc1",
                    "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-color_range", "tv", "-video_track_timescale", "1000000", path);
                break;
            default:
                // 29.97 fps with B-frames and a keyframe every 15 frames (0.5005 s: off the millisecond grid).
                await ProcessRunner.FfmpegAsync(
                    "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30000/1001:d=4", "-f", "lavfi", "-i", "sine=f=440:d=4:sample_rate=48000",
                    "-c:v", "libx264", "-preset", "medium", "-g", "15", "-bf", "3", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path);
                break;
        }
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
