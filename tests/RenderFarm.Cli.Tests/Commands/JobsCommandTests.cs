using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

public sealed class JobsCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    [Fact]
    public async Task Jobs_Table_ShowsEveryColumnOfEachJob()
    {
        _farmctl.Farm.JobList.Add(SampleJobs.Running("j7", 42.5, 30, 1));

        var result = await _farmctl.RunAsync("jobs");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var row = Assert.Single(result.Out.Split('\n'), l => l.Contains("j7", StringComparison.Ordinal));
        Assert.Contains("name-j7", row);
        Assert.Contains("running", row);
        Assert.Contains("42.5%", row);
        Assert.Contains("h264-proxy-720p", row);
        Assert.Contains("2025-11-24 09:30", row);
        Assert.Contains("j7.mov → j7.mp4", row);
    }

    [Fact]
    public async Task Jobs_Json_RoundTripsToListJobsResponse()
    {
        _farmctl.Farm.JobList.AddRange([SampleJobs.Succeeded("a"), SampleJobs.Failed("b", "bad LUT")]);

        var result = await _farmctl.RunAsync("--json", "jobs");

        var parsed = ListJobsResponse.Parser.ParseJson(result.Out);
        Assert.Equal([SampleJobs.Succeeded("a"), SampleJobs.Failed("b", "bad LUT")], parsed.Jobs);
        Assert.Equal("", parsed.NextPageToken);
    }

    [Fact]
    public async Task Jobs_All_FollowsPageTokensToTheEnd()
    {
        _farmctl.Farm.JobList.AddRange(Enumerable.Range(0, 1203).Select(i => SampleJobs.Job($"j{i}", JobState.Queued)));

        var result = await _farmctl.RunAsync("jobs", "--all", "--json");

        Assert.Equal(1203, ListJobsResponse.Parser.ParseJson(result.Out).Jobs.Count);
        Assert.Equal(["", "500", "1000"], _farmctl.Farm.ListRequests.Select(r => r.PageToken));
    }

    [Fact]
    public async Task Jobs_Limit_StopsAtTheLimitAndSaysMoreMatch()
    {
        _farmctl.Farm.JobList.AddRange(Enumerable.Range(0, 10).Select(i => SampleJobs.Job($"j{i}", JobState.Queued)));

        var json = ListJobsResponse.Parser.ParseJson((await _farmctl.RunAsync("jobs", "--limit", "3", "--json")).Out);
        var text = await _farmctl.RunAsync("jobs", "--limit", "3");

        Assert.Equal(["j0", "j1", "j2"], json.Jobs.Select(j => j.Id));
        Assert.NotEqual("", json.NextPageToken);
        Assert.Equal(3u, _farmctl.Farm.ListRequests[0].PageSize);
        Assert.Contains("showing 3 jobs; more match", text.Out);
    }

    [Fact]
    public async Task Jobs_States_SentAsFilter()
    {
        var result = await _farmctl.RunAsync("jobs", "--state", "queued", "--state", "failed");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal([JobState.Queued, JobState.Failed], Assert.Single(_farmctl.Farm.ListRequests).States);
    }

    [Fact]
    public async Task Jobs_OwnerNameAndBatch_SentWithStatesOnEveryPage()
    {
        _farmctl.Farm.JobList.AddRange(Enumerable.Range(0, 600).Select(i => SampleJobs.Job($"j{i}", JobState.Queued)));

        var result = await _farmctl.RunAsync("jobs", "--owner", "alice", "--name", "Trailer", "--batch", "batch-1", "--state", "queued", "--all", "--json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(2, _farmctl.Farm.ListRequests.Count);
        Assert.All(_farmctl.Farm.ListRequests, r =>
        {
            Assert.Equal("alice", r.Owner);
            Assert.Equal("Trailer", r.NameContains);
            Assert.Equal("batch-1", r.BatchId);
            Assert.Equal([JobState.Queued], r.States);
        });
        Assert.Equal(["", "500"], _farmctl.Farm.ListRequests.Select(r => r.PageToken));
    }

    [Fact]
    public async Task Jobs_NameLongerThanTheCoordinatorTakes_UsageErrorSaysTheLimit()
    {
        var result = await _farmctl.RunAsync("jobs", "--name", new string('x', 201));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--name is 201 characters; use at most 200", result.Error);
        Assert.Empty(_farmctl.Farm.ListRequests);
    }

    [Fact]
    public async Task Jobs_UnknownState_UsageError()
    {
        var result = await _farmctl.RunAsync("jobs", "--state", "done");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Empty(_farmctl.Farm.ListRequests);
    }
}
