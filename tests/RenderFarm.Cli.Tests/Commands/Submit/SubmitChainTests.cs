using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;

namespace RenderFarm.Cli.Tests.Commands.Submit;

/// <summary>`submit --input-from JOB OUTPUT`: a job that takes another job's output as its input.</summary>
public sealed class SubmitChainTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Grade_InputFromWithOnlyOutput_SendsTheParentAndTheOutputWithoutAnInputPath()
    {
        var result = await _farmctl.RunAsync("submit", "grade", "--input-from", "j-master", "graded.mp4", "--preset", "h264", "--exposure", "0.5");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal("j-master", spec.InputFromJob);
        Assert.Equal("", spec.InputPath);
        Assert.Equal(Path.Combine(FarmctlHarness.CurrentDirectory, "graded.mp4"), spec.OutputPath);
    }

    [Fact]
    public async Task Transcode_NotifyTwice_SendsBothUrls()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264", "--notify", "https://hooks.example/a", "--notify", "https://hooks.example/b");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(["https://hooks.example/a", "https://hooks.example/b"], Assert.Single(_farmctl.Farm.Submitted).Spec.NotifyUrls);
    }

    [Fact]
    public async Task Transcode_InputFromWithTwoPaths_UsageErrorAndSendsNothing()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "--input-from", "j-master", "a.mov", "b.mp4", "--preset", "h264");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("With --input-from give only OUTPUT", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task Transcode_OnlyOnePathWithoutInputFrom_UsageErrorAndSendsNothing()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "b.mp4", "--preset", "h264");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Give INPUT and OUTPUT", result.Error);
        Assert.Empty(_farmctl.Farm.Submitted);
    }
}
