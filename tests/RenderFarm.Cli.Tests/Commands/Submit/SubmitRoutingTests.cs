using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;

namespace RenderFarm.Cli.Tests.Commands.Submit;

/// <summary>`submit` options for which agents run a job: --require-tag, --pool, --max-agents, --limit-group.</summary>
public sealed class SubmitRoutingTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Transcode_RoutingOptions_SendsEveryField()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264",
            "--require-tag", "gpu", "--require-tag", "fast-disk", "--pool", "night", "--max-agents", "2", "--limit-group", "prores-licence");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Equal(["gpu", "fast-disk"], spec.RequiredTags);
        Assert.Equal("night", spec.Pool);
        Assert.Equal(2u, spec.MaxAgents);
        Assert.Equal("prores-licence", spec.LimitGroup);
    }

    [Fact]
    public async Task Transcode_NoRoutingOptions_AnyAgentMayRunIt()
    {
        await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mp4", "--preset", "h264");

        var spec = Assert.Single(_farmctl.Farm.Submitted).Spec;
        Assert.Empty(spec.RequiredTags);
        Assert.Equal("", spec.Pool);
        Assert.Equal(0u, spec.MaxAgents);
        Assert.Equal("", spec.LimitGroup);
    }
}
