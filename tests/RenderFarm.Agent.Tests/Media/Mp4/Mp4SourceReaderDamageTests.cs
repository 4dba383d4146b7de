using RenderFarm.Agent.Execution;
using RenderFarm.Agent.Media.Mp4;
using RenderFarm.Testing;
using Xunit.Abstractions;

namespace RenderFarm.Agent.Tests.Media.Mp4;

/// <summary>
/// A damaged input must never break the agent's probe: whatever bytes of the movie box are wrong, the in-process reader
/// either reads the file or hands it to ffprobe with a reason; it never throws. (It may read a file ffmpeg's demuxer
/// refuses, e.g. a sample size past 2 GiB: the render then fails and ffprobe names the input as bad, see
/// <c>RenderPipelineTests.RunAsync_InputReadInProcessButRefusedByFfmpeg_FailsBadInputWithFfprobesReason</c>.)
/// </summary>
public sealed class Mp4SourceReaderDamageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("mp4-damage");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Sources => ["sdr", "phone-pq", "phone-hlg"];

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task TryRead_MovieBoxBytesDamaged_ReadsOrFallsBackWithAReason(string source)
    {
        var original = await File.ReadAllBytesAsync(source switch
        {
            "sdr" => await TestClips.SdrAsync(),
            "phone-pq" => await TestClips.PhonePqAsync(),
            _ => await TestClips.PhoneHlgAsync(),
        });
        var moov = original.AsSpan().IndexOf("moov"u8) - 4;
        Assert.True(moov >= 0, "the clip has a movie box");
        var moovEnd = Math.Min(original.Length, moov + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(original.AsSpan(moov)));
        var path = _dir.File("damaged.mp4");
        var (read, fellBack) = (0, 0);
        var random = new Random(source.Length);
        for (var trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            // A few bytes of the movie box (sizes, counts, offsets, parameter sets) set at random.
            var count = 1 + random.Next(8);
            for (var i = 0; i < count; i++)
            {
                bytes[moov + 8 + random.Next(moovEnd - moov - 8)] = (byte)random.Next(256);
            }

            await File.WriteAllBytesAsync(path, bytes);
            using var file = LocalFiles.OpenFile(path);
            var info = Mp4SourceReader.TryRead(file.Handle, "damaged.mp4", out var reason);
            if (info is null)
            {
                Assert.False(string.IsNullOrWhiteSpace(reason), "a fallback says why");
                fellBack++;
            }
            else
            {
                Assert.True(info.Width > 0 && info.Height > 0, "facts that were read have a picture size");
                read++;
            }
        }

        output.WriteLine($"{source}: {read} damaged files read, {fellBack} left to ffprobe");
        Assert.True(fellBack > 0, $"some damage is noticed ({read} read, {fellBack} fell back)");
    }
}
