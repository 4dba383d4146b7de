using Google.Protobuf;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class ThumbnailCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();
    private readonly TempDir _dir = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _farmctl.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Thumbnail_Output_WritesTheJpegBytesAndSaysWhere()
    {
        var jpeg = new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 180, 1, 64, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9 };
        _farmctl.Farm.Thumbnails["j1"] = new GetThumbnailResponse { Jpeg = ByteString.CopyFrom(jpeg), Width = 320, Height = 180 };
        var path = Path.Combine(_dir.Path, "poster.jpg");
        await File.WriteAllTextAsync(path, "an older poster, replaced");

        var result = await _farmctl.RunAsync("thumbnail", "j1", "-o", path);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(jpeg, await File.ReadAllBytesAsync(path));
        Assert.Equal($"wrote {path}: 320x180 JPEG, {jpeg.Length} bytes", result.Out.Trim());
    }

    [Fact]
    public async Task Thumbnail_NoneYet_ExitCode3WithTheServersMessageAndNoFile()
    {
        var path = Path.Combine(_dir.Path, "poster.jpg");

        var result = await _farmctl.RunAsync("thumbnail", "j2", "--output", path);

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("has no thumbnail yet", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Thumbnail_WithoutOutput_UsageError()
    {
        var result = await _farmctl.RunAsync("thumbnail", "j1");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }
}
