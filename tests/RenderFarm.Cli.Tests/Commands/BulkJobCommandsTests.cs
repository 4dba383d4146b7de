using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

/// <summary>`farmctl cancel`/`retry` by filter: what is sent, what is printed, and what is refused before any call.</summary>
public sealed class BulkJobCommandsTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Cancel_ByFilterDryRun_SendsTheFilter_AndListsWhatWouldChange()
    {
        _farmctl.Farm.JobList.AddRange([SampleJobs.Job("j1", JobState.Queued), SampleJobs.Job("j2", JobState.Queued), SampleJobs.Succeeded("j3")]);

        var result = await _farmctl.RunAsync("cancel", "--state", "queued", "--name", "name-*", "--owner", "alice", "--dry-run");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.CancelJobsRequests);
        Assert.Equal((true, "name-*", "alice", JobState.Queued), (request.DryRun, request.Filter.NamePattern, request.Filter.Owner, Assert.Single(request.Filter.States)));
        Assert.Contains("would cancel 2 jobs (dry run: nothing changed)", result.Out);
        Assert.Contains("j1", result.Out);
        Assert.Contains("passed over 1 job:", result.Out);
        Assert.Contains("j3 name-j3: it is succeeded", result.Out);
    }

    [Fact]
    public async Task Cancel_ByBatchDryRun_SendsTheBatchIdInTheFilter()
    {
        _farmctl.Farm.JobList.AddRange([SampleJobs.Job("j1", JobState.Queued)]);

        var result = await _farmctl.RunAsync("cancel", "--batch", "batch-7333efb06798", "--dry-run");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.CancelJobsRequests);
        Assert.Equal((true, "batch-7333efb06798", 0), (request.DryRun, request.Filter.BatchId, request.Filter.States.Count));
        Assert.Contains("dry run: nothing changed", result.Out);
    }

    [Fact]
    public async Task Cancel_WithoutIdOrFilter_IsAUsageError_AndCallsNothing()
    {
        var result = await _farmctl.RunAsync("cancel");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--state, --owner, --name or --batch", result.Error);
        Assert.Empty(_farmctl.Farm.CancelJobsRequests);

        var both = await _farmctl.RunAsync("cancel", "j1", "--state", "queued");
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
    }

    [Fact]
    public async Task Jobs_OneJobOfMore_SaysOneJob()
    {
        _farmctl.Farm.JobList.AddRange([SampleJobs.Job("j1", JobState.Queued), SampleJobs.Job("j2", JobState.Queued)]);

        var result = await _farmctl.RunAsync("jobs", "--limit", "1");

        Assert.Contains("showing 1 job; more match", result.Out);
    }
}
