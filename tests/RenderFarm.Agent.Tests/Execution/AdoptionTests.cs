using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Chunking;
using RenderFarm.Agent.Execution;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>
/// A new attempt of a task finds at the output path the file an earlier attempt was granted to publish (it renamed it
/// and died before reporting): exactly those bytes are adopted without rendering; any other file is not the farm's.
/// </summary>
public sealed class AdoptionTests : IDisposable
{
    private readonly TempDir _dir = new("adopt");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_TheEarlierAttemptsPublishedFileIsWhole_AdoptsItWithoutRenderingOrRenamingAgain()
    {
        var output = _dir.File("out.mp4");
        var published = await PublishedAsync(output, "the proxy the lost attempt published");
        var before = File.GetLastWriteTimeUtc(output);
        var leftover = Directory.CreateDirectory(_dir.File(RenderPipeline.ScratchPrefix + "att-lost")).FullName;
        // The input is no video: a render would fail, so success shows nothing was rendered.
        var request = Request(output, overwrite: false) with { Published = published, EndedAttempts = ["att-lost"] };
        var steps = new List<string>();

        var info = await new RenderPipeline(NullLogger<RenderPipeline>.Instance).RunAsync(request, _ => { }, steps.Add, CancellationToken.None);

        Assert.Equal((published.Output.Sha256, published.Output.SizeBytes, 60UL, output), (info.Sha256, info.SizeBytes, info.FrameCount, info.Path));
        Assert.Equal(before, File.GetLastWriteTimeUtc(output));
        Assert.False(Directory.Exists(leftover));
        Assert.Contains(steps, s => s.Contains("adopted", StringComparison.Ordinal) && s.Contains("att-lost", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("the proxy the lost attempt publishes")]  // same size, other bytes
    [InlineData("a file of another size")]
    public async Task RunAsync_AFileThatIsNotTheGrantedOne_IsNotAdopted_AndWithoutOverwriteIsRefused(string otherContent)
    {
        var output = _dir.File("out.mp4");
        var published = await PublishedAsync(output, "the proxy the lost attempt published");
        await File.WriteAllTextAsync(output, otherContent);
        var request = Request(output, overwrite: false, input: await TestClips.SdrAsync()) with { Published = published };

        var refused = await Assert.ThrowsAsync<RenderFailedException>(() =>
            new RenderPipeline(NullLogger<RenderPipeline>.Instance).RunAsync(request, _ => { }, CancellationToken.None));

        Assert.Equal(FailureClass.BadInput, refused.FailureClass);
        Assert.Contains("already exists", refused.Message);
        Assert.Equal(otherContent, await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task StitchRunAsync_TheEarlierAttemptsJoinedFileIsWhole_AdoptsItWithoutTheChunks()
    {
        var output = _dir.File("film.mp4");
        var published = await PublishedAsync(output, "the joined film");
        // The source and chunk are no video: a stitch would fail, so success shows nothing was joined.
        var request = new StitchRequest("att-new", NotAVideo("source.mov"), output, [NotAVideo("chunk-0000.mp4")], [0], null, 60, null,
            new OutputSettings { Preset = Preset.H264Proxy540P }, null, false, Overwrite: false, Published: published);

        var info = await new StitchPipeline().RunAsync(request, _ => { }, _ => { }, CancellationToken.None);

        Assert.Equal((published.Output.Sha256, output), (info.Sha256, info.Path));
    }

    private RenderRequest Request(string output, bool overwrite, string? input = null) =>
        new("att-new", input ?? NotAVideo("input.mov"), output, null, new OutputSettings { Preset = Preset.H264Proxy540P }, null, overwrite);

    private string NotAVideo(string name)
    {
        File.WriteAllText(_dir.File(name), "not a video");
        return _dir.File(name);
    }

    /// <summary>Writes <paramref name="content"/> at <paramref name="output"/> as the lost attempt's rename did, and its grant as the coordinator hands it on.</summary>
    private static async Task<PublishedOutput> PublishedAsync(string output, string content)
    {
        await File.WriteAllTextAsync(output, content);
        var bytes = await File.ReadAllBytesAsync(output);
        return new PublishedOutput
        {
            AttemptId = "att-lost",
            Output = new OutputInfo { Path = "/elsewhere/out.mp4", SizeBytes = (ulong)bytes.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), FrameCount = 60 },
        };
    }
}
