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
        Assert.Equal(ThumbnailKind.Poster, Assert.Single(_farmctl.Farm.ThumbnailRequests).Kind);
    }

    [Theory]
    [InlineData("contact-sheet", ThumbnailKind.ContactSheet)]
    [InlineData("source", ThumbnailKind.Source)]
    [InlineData("poster", ThumbnailKind.Poster)]
    public async Task Thumbnail_Kind_AsksForThatKind(string word, ThumbnailKind kind)
    {
        _farmctl.Farm.Thumbnails["j1"] = new GetThumbnailResponse { Jpeg = ByteString.CopyFrom(0xFF, 0xD8, 0xFF, 0xD9), Width = 480, Height = 180, Kind = kind };

        var result = await _farmctl.RunAsync("thumbnail", "j1", "--kind", word, "-o", Path.Combine(_dir.Path, "sheet.jpg"));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(kind, Assert.Single(_farmctl.Farm.ThumbnailRequests).Kind);
    }

    [Fact]
    public async Task Thumbnail_UnknownKind_UsageError()
    {
        var result = await _farmctl.RunAsync("thumbnail", "j1", "--kind", "storyboard", "-o", Path.Combine(_dir.Path, "x.jpg"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Empty(_farmctl.Farm.ThumbnailRequests);
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
