using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands.Batches;

public sealed class BatchCommandsTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task SubmitRecipe_ManyFiles_SendsOneBatchWithAbsolutePaths()
    {
        var result = await _farmctl.RunAsync("submit", "--recipe", "proxy-for-resolve", "clips/A001.MOV", "clips/A002.MOV", "/media/other/B001.MOV");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Editors.Batches);
        Assert.Equal("proxy-for-resolve", request.Recipe);
        Assert.Equal(["/media/project/clips/A001.MOV", "/media/project/clips/A002.MOV", "/media/other/B001.MOV"], request.Inputs);
        Assert.Contains("submitted batch batch-1 with recipe proxy-for-resolve version 1: 3 jobs: 3 queued", result.Out, StringComparison.Ordinal);
        Assert.Empty(_farmctl.Farm.Submitted);
    }

    [Fact]
    public async Task SubmitRecipe_Folder_SendsFolderGlobAndRecursive()
    {
        var result = await _farmctl.RunAsync("submit", "--recipe", "proxy", "--folder", "footage", "--glob", "*.mov", "--recursive");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Editors.Batches);
        Assert.Equal(("/media/project/footage", "*.mov", true), (request.Folder, request.Glob, request.Recursive));
        Assert.Empty(request.Inputs);
    }

    [Theory]
    [InlineData(new[] { "submit", "clips/A001.MOV" }, "need --recipe")]
    [InlineData(new[] { "submit", "--recipe", "proxy" }, "either FILE... or --folder")]
    [InlineData(new[] { "submit", "--recipe", "proxy", "a.mov", "--folder", "footage" }, "either FILE... or --folder")]
    [InlineData(new[] { "submit", "--recipe", "proxy", "a.mov", "--glob", "*.mov" }, "--glob and --recursive need --folder")]
    public async Task SubmitRecipe_BadCombination_IsAUsageError(string[] args, string expected)
    {
        var result = await _farmctl.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(_farmctl.Editors.Batches);
    }

    [Fact]
    public async Task Watch_BatchThatEndsWithAFailure_ShowsCountsAndExitsOne()
    {
        _farmctl.Editors.WatchUpdates.Add(new Batch { Id = "batch-1", State = JobState.Running, Percent = 50, Counts = new BatchCounts { Total = 4, Running = 2, Succeeded = 2 } });
        var failed = new Batch { Id = "batch-1", State = JobState.Failed, Percent = 100, Counts = new BatchCounts { Total = 4, Succeeded = 3, Failed = 1 } };
        failed.FailedJobs.Add(new Job { Id = "job-9", Spec = new JobSpec { InputPath = "/media/project/clips/A004.MOV" }, Error = "input is truncated" });
        _farmctl.Editors.WatchUpdates.Add(failed);

        var result = await _farmctl.RunAsync("watch", "batch-1");

        Assert.Equal(ExitCodes.JobFailed, result.ExitCode);
        Assert.Contains("batch-1 running 50.0%  4 jobs: 2 succeeded, 2 running", result.Out, StringComparison.Ordinal);
        Assert.Contains("4 jobs: 3 succeeded, 1 failed", result.Out, StringComparison.Ordinal);
        Assert.Contains("A004.MOV", result.Out, StringComparison.Ordinal);
        Assert.Contains("input is truncated", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecipesCreate_OutputSettingsAndGrade_SendsThemInTheRecipe()
    {
        var result = await _farmctl.RunAsync("recipes", "create", "graded", "--preset", "h264-proxy-540p", "--output", "proxies/{dir}/{name}.mp4",
            "--exposure", "0.5", "--priority", "7", "--fps", "25", "--lut", "luts/show.cube");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var recipe = Assert.Single(_farmctl.Editors.Saved).Recipe;
        Assert.Equal(("graded", "proxies/{dir}/{name}.mp4", Preset.H264Proxy540P, 7), (recipe.Name, recipe.OutputPattern, recipe.Output.Preset, recipe.Priority));
        Assert.Equal(("25", FrameRateMode.Constant), (recipe.Output.FrameRate, recipe.Output.FrameRateMode));
        Assert.Equal((0.5, "/media/project/luts/show.cube"), (recipe.Grade.Exposure, recipe.Grade.LutPath));
        Assert.Contains("saved recipe graded version 1", result.Out, StringComparison.Ordinal);
    }
}
