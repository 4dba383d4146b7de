using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;

namespace RenderFarm.Cli.Tests.App;

public sealed class FarmctlAppTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Help_Root_DocumentsEveryExitCode()
    {
        var result = await _farmctl.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var lines = result.Out.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains(lines, l => l.StartsWith("0 ", StringComparison.Ordinal) && l.Contains("succeeded", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("1 ", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("2 ", StringComparison.Ordinal) && l.Contains("canceled", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("3 ", StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("4 ", StringComparison.Ordinal) && l.Contains("could not be reached", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("64 ", StringComparison.Ordinal) && l.Contains("bad command line", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("130 ", StringComparison.Ordinal) && l.Contains("interrupted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_SubmitTranscode_ListsPresetNamesAndWaitExitCodes()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "--help");

        Assert.Contains("h264-proxy-540p", result.Out);
        Assert.Contains("exit 0 if it succeeded, 1 if it failed, 2 if it was canceled", result.Out);
    }

    [Fact]
    public async Task Parse_UnknownCommand_UsageErrorOnStderrAndStdoutEmpty()
    {
        var result = await _farmctl.RunAsync("jbos", "--json");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("'jbos'", result.Error);
        Assert.Contains("Run 'farmctl --help' for usage.", result.Error);
    }

    [Fact]
    public async Task Parse_MissingPreset_UsageErrorPointsAtSubcommandHelp()
    {
        var result = await _farmctl.RunAsync("submit", "transcode", "a.mov", "b.mov");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--preset", result.Error);
        Assert.Contains("Run 'farmctl submit transcode --help' for usage.", result.Error);
    }

    [Theory]
    [InlineData("jobs")]
    [InlineData("job", "j1")]
    [InlineData("stats")]
    [InlineData("watch", "j1")]
    public async Task Output_NotATerminal_HasNoAnsiEscapes(params string[] args)
    {
        _farmctl.Farm.JobList.Add(SampleJobs.Failed("j1", "boom"));
        _farmctl.Farm.Jobs["j1"] = SampleJobs.Succeeded("j1");

        var result = await _farmctl.RunAsync(args);

        Assert.Contains("j", result.Out);
        Assert.DoesNotContain('\u001b', result.Out);
    }
}
