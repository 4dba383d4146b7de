using FFMpegCore;
using RenderFarm.Agent.Media;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Media.Mp4;

/// <summary>
/// <see cref="OutputVerifier"/> on real MP4/MOV files: what it accepts in process (without ffprobe: its binary folder is
/// empty) and the damaged or wrong files it refuses, each with an error that says what is wrong.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Mp4VerificationTests : IDisposable
{
    private static readonly RenderExpectations H264 = new(
        "h264", null, "yuv420p", TestClips.Width, TestClips.Height, ColorTags.Bt709, new FrameRate(30, 1), 60, TimeSpan.FromSeconds(2), true, "aac");

    private readonly TempDir _dir = new("mp4-verify");

    public Mp4VerificationTests()
    {
        var folder = Directory.CreateDirectory(_dir.File("failing-tools")).FullName;
        foreach (var tool in (string[])["ffprobe", "ffmpeg"])
        {
            var path = Path.Combine(folder, tool);
            File.WriteAllText(path, $"#!/bin/sh\necho started > '{_dir.File("tool-started")}'\nexit 1\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        NoFfprobe = new FFOptions { BinaryFolder = folder };
    }

    /// <summary>Tools that fail and leave a mark: a check that passes with them ran in process.</summary>
    private FFOptions NoFfprobe { get; }

    private bool FfprobeStarted => File.Exists(_dir.File("tool-started"));

    public void Dispose()
    {
        Assert.False(FfprobeStarted && !_ffprobeExpected, "ffprobe was started");
        _dir.Dispose();
    }

    private bool _ffprobeExpected;

    [Fact]
    public async Task VerifyAsync_GoodH264_AcceptedInProcess()
    {
        var info = await OutputVerifier.VerifyAsync(await Mp4Outputs.PathAsync("h264-aac.mp4"), H264, CancellationToken.None, NoFfprobe, encodedFrames: 60);

        Assert.Equal((60UL, "h264", 320U, 180U, "yuv420p", "bt709"), (info.FrameCount, info.VideoCodec, info.Width, info.Height, info.PixelFormat, info.ColorSpace));
        Assert.Equal(2.0, info.DurationSeconds, 0.01);
    }

    [Fact]
    public async Task VerifyAsync_GoodProRes_AcceptedInProcess()
    {
        var expect = H264 with { VideoCodec = "prores", Profile = "HQ", PixelFormat = "yuv422p10le", AudioCodec = "pcm_s16le" };

        var info = await OutputVerifier.VerifyAsync(await Mp4Outputs.PathAsync("prores-hq.mov"), expect, CancellationToken.None, NoFfprobe, encodedFrames: 60);

        Assert.Equal(60UL, info.FrameCount);
    }

    [Fact]
    public async Task VerifyAsync_Hevc_AsksFfprobeOnlyForTheStreamFacts()
    {
        var path = await Mp4Outputs.PathAsync("hevc-hlg.mp4");
        var expect = new RenderExpectations("hevc", null, "yuv420p10le", TestClips.Width, TestClips.Height, ColorTags.Hlg, null, 59,
            TimeSpan.FromSeconds(1.9), true, "aac");

        _ffprobeExpected = true;
        await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, expect, CancellationToken.None, NoFfprobe));
        Assert.True(FfprobeStarted);
        var info = await OutputVerifier.VerifyAsync(path, expect, CancellationToken.None, encodedFrames: 59);

        Assert.Equal((59UL, "arib-std-b67"), (info.FrameCount, info.ColorTransfer));
    }

    [Fact]
    public async Task VerifyAsync_OneFrameFewerThanFfmpegWrote_IsRefused()
    {
        var path = _dir.File("short.mp4");
        await ProcessRunner.FfmpegAsync("-i", await Mp4Outputs.PathAsync("h264-aac.mp4"), "-c", "copy", "-frames:v", "59", path);

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, H264, CancellationToken.None, NoFfprobe, encodedFrames: 60));

        Assert.Contains("59 frames in the file, ffmpeg wrote 60", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task VerifyAsync_TruncatedFile_IsRefused(bool faststart)
    {
        var path = _dir.File("cut.mp4");
        string[] flags = faststart ? ["-movflags", "+faststart"] : [];
        await ProcessRunner.FfmpegAsync(["-i", await Mp4Outputs.PathAsync("h264-aac.mp4"), "-c", "copy", .. flags, path]);
        using (var file = File.OpenWrite(path)) file.SetLength(file.Length * 2 / 3);

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, H264, CancellationToken.None, NoFfprobe, encodedFrames: 60));

        Assert.Contains("not a whole MP4 file: the file is cut short", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_NoMovieBox_IsRefused()
    {
        // What an ffmpeg killed while writing leaves: the media data (its size still open, 0 = to the end), no movie box.
        var bytes = await File.ReadAllBytesAsync(await Mp4Outputs.PathAsync("h264-aac.mp4"));
        var mdat = IndexOf(bytes, "mdat"u8) - 4;
        var moov = IndexOf(bytes, "moov"u8) - 4;
        Assert.True(mdat > 0 && moov > mdat, "ffmpeg writes the movie box after the media data");
        bytes.AsSpan(mdat, 4).Clear();
        var path = _dir.File("killed.mp4");
        await File.WriteAllBytesAsync(path, bytes[..moov]);

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, H264, CancellationToken.None, NoFfprobe, encodedFrames: 60));

        Assert.Contains("no movie box (moov)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_FragmentedFile_IsRefused()
    {
        var path = _dir.File("fragmented.mp4");
        await ProcessRunner.FfmpegAsync("-i", await Mp4Outputs.PathAsync("h264-aac.mp4"), "-c", "copy", "-movflags", "frag_keyframe+empty_moov", path);

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, H264, CancellationToken.None, NoFfprobe, encodedFrames: 60));

        Assert.Contains("fragmented", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_DamagedFrame_IsRefused()
    {
        var path = _dir.File("damaged.mp4");
        File.Copy(await Mp4Outputs.PathAsync("h264-silent.mp4"), path);
        var bytes = await File.ReadAllBytesAsync(path);
        var firstNal = IndexOf(bytes, "mdat"u8) + 4;
        bytes[firstNal + 1] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        var expect = H264 with { HasAudio = false, AudioCodec = "" };

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, expect, CancellationToken.None, NoFfprobe, encodedFrames: 60));

        Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_WrongCodec_IsRefused()
    {
        var path = await Mp4Outputs.PathAsync("h264-aac.mp4");

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, H264 with { VideoCodec = "hevc" }, CancellationToken.None, NoFfprobe));

        Assert.Contains("video codec is 'h264', expected 'hevc'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_WrongProResProfile_IsRefused()
    {
        var path = await Mp4Outputs.PathAsync("prores-proxy-silent.mov");
        var expect = H264 with { VideoCodec = "prores", Profile = "HQ", PixelFormat = "yuv422p10le", HasAudio = false, AudioCodec = "" };

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, expect, CancellationToken.None, NoFfprobe));

        Assert.Contains("profile is 'Proxy', expected 'HQ'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_MissingAudio_IsRefused()
    {
        var path = await Mp4Outputs.PathAsync("h264-silent.mp4");

        var ex = await Assert.ThrowsAsync<OutputVerificationException>(() => OutputVerifier.VerifyAsync(path, H264, CancellationToken.None, NoFfprobe, encodedFrames: 60));

        Assert.Contains("the audio stream is missing", ex.Message, StringComparison.Ordinal);
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> what) => bytes.AsSpan().IndexOf(what);
}
