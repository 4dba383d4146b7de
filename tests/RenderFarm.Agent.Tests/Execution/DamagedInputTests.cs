using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Execution;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>An input that ffmpeg can open but not read to the end is bad input: no retries, and the message names it.</summary>
public sealed class DamagedInputTests : IDisposable
{
    private readonly TempDir _dir = new("damaged");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TruncatedInputWithItsIndexAtTheFront_FailsAsBadInputNamingTheFile()
    {
        var whole = _dir.File("whole.mp4");
        await ProcessRunner.FfmpegAsync("-i", await TestClips.LongAsync(), "-c", "copy", "-movflags", "+faststart", whole);
        var input = _dir.File("take 7 (cut short).mp4");
        var bytes = await File.ReadAllBytesAsync(whole);
        await File.WriteAllBytesAsync(input, bytes[..(bytes.Length / 2)]);
        var output = _dir.File("out.mp4");
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance);

        var failed = await Assert.ThrowsAsync<RenderFailedException>(() => pipeline.RunAsync(
            new RenderRequest("d1", input, output, null, new OutputSettings { Preset = Preset.H264Proxy540P }, null, false), _ => { }, CancellationToken.None));

        Assert.Equal(FailureClass.BadInput, failed.FailureClass);
        Assert.Contains("take 7 (cut short).mp4", failed.Message);
        Assert.Contains("damaged", failed.Message);
        Assert.DoesNotContain("0x", failed.Message);
        Assert.False(File.Exists(output));
    }
}
