using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Execution;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>ffmpeg failures, with a stand-in ffmpeg script (the real ffprobe is linked beside it).</summary>
public sealed class RenderPipelineFailureTests : IDisposable
{
    private readonly TempDir _dir = new("failures");

    public void Dispose() => _dir.Dispose();

    private async Task<RenderFailedException> RunWithFakeFfmpegAsync(string script)
    {
        Assert.False(OperatingSystem.IsWindows(), "these tests use a shell script as ffmpeg");
        var bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
        var ffmpeg = Path.Combine(bin, "ffmpeg");

        // FFMpegCore runs "ffmpeg -version" first; the stand-in answers that and fails the render.
        await File.WriteAllTextAsync(ffmpeg, "#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'ffmpeg version fake'; exit 0; fi\n" + script + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(ffmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.CreateSymbolicLink(Path.Combine(bin, "ffprobe"), "/usr/bin/ffprobe");
        var pipeline = new RenderPipeline(NullLogger<RenderPipeline>.Instance, new RenderPipelineOptions { BinaryFolder = bin });
        var output = _dir.File("out.mp4");

        var ex = await Assert.ThrowsAsync<RenderFailedException>(async () => await pipeline.RunAsync(
            new RenderRequest("f1", await TestClips.SdrAsync(), output, null, new OutputSettings { Preset = Preset.HevcDelivery }, null, false),
            _ => { }, CancellationToken.None));

        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetDirectories(_dir.Path, RenderPipeline.ScratchPrefix + "*"));
        return ex;
    }

    [Fact]
    public async Task RunAsync_FfmpegCrashes_FailsTransientWithExitCodeAndLogTail()
    {
        var ex = await RunWithFakeFfmpegAsync("echo 'Error while decoding stream #0:0' >&2\necho 'Conversion failed!' >&2\nexit 187");

        Assert.Equal(FailureClass.Transient, ex.FailureClass);
        Assert.Equal(187, ex.ExitCode);
        Assert.Contains("Conversion failed!", ex.LogTail, StringComparison.Ordinal);
        Assert.Contains("code 187", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EncoderMissing_FailsUnsupported()
    {
        var ex = await RunWithFakeFfmpegAsync("echo \"Unknown encoder 'libx265'\" >&2\nexit 1");

        Assert.Equal(FailureClass.Unsupported, ex.FailureClass);
        Assert.Contains("libx265", ex.LogTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FfmpegSucceedsWithoutOutput_FailsVerificationTransient()
    {
        var ex = await RunWithFakeFfmpegAsync("exit 0");

        Assert.Equal(FailureClass.Transient, ex.FailureClass);
        Assert.Contains("output", ex.Message, StringComparison.Ordinal);
    }
}
