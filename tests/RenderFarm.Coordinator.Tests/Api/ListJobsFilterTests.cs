using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>ListJobs' owner, name and batch filters through the real gRPC surface: with paging, and refused when malformed.</summary>
public sealed class ListJobsFilterTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private async Task<Job> SubmitAsAsync(JobService.JobServiceClient client, string name)
    {
        var input = Path.Combine(_farm.MediaDir, "in.mp4");
        if (!File.Exists(input)) await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var spec = new JobSpec { Name = name, InputPath = input, OutputPath = $"out/{name}.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } };
        return (await client.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job;
    }

    [Fact]
    public async Task ListJobs_OwnerAndNameContains_OnlyMatchingJobsPageByPage()
    {
        var alice = new JobService.JobServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("alice", Role.Editor)));
        var bob = new JobService.JobServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("bob", Role.Editor)));
        var a1 = await SubmitAsAsync(alice, "Reel-1-Trailer");
        await SubmitAsAsync(bob, "reel-2-trailer");
        await SubmitAsAsync(alice, "reel-3-teaser");
        var a4 = await SubmitAsAsync(alice, "REEL-4-TRAILER");

        var first = await _farm.Jobs.ListJobsAsync(new ListJobsRequest { Owner = "alice", NameContains = "trailer", PageSize = 1 });
        var second = await _farm.Jobs.ListJobsAsync(new ListJobsRequest { Owner = "alice", NameContains = "trailer", PageSize = 1, PageToken = first.NextPageToken });

        Assert.Equal([a4.Id, a1.Id], first.Jobs.Concat(second.Jobs).Select(j => j.Id));
        Assert.Equal("", second.NextPageToken);
        Assert.Equal(3, (await _farm.Jobs.ListJobsAsync(new ListJobsRequest { Owner = "alice" })).Jobs.Count);
        Assert.Empty((await _farm.Jobs.ListJobsAsync(new ListJobsRequest { BatchId = "batch-000000000000" })).Jobs);
    }

    [Fact]
    public async Task GetJob_ParentOfAChain_FeedsNamesTheChainedJobsButNotPlainDependents()
    {
        var parent = await SubmitAsAsync(_farm.Jobs, "parent");
        var child = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = "child", InputFromJob = parent.Id, OutputPath = "out/child.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job;
        var dependentSpec = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = parent.Id })).Job.Spec.Clone();
        (dependentSpec.Name, dependentSpec.OutputPath, dependentSpec.Owner) = ("after", "out/after.mp4", "");
        dependentSpec.DependsOn.Add(parent.Id);
        await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = dependentSpec });

        var read = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = parent.Id })).Job;

        Assert.Equal([child.Id], read.FeedsJobIds);
        Assert.Empty((await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = child.Id })).Job.FeedsJobIds);
        Assert.Empty((await _farm.Jobs.ListJobsAsync(new ListJobsRequest())).Jobs.SelectMany(j => j.FeedsJobIds)); // lists leave it out
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("name_contains")]
    [InlineData("batch_id")]
    public async Task ListJobs_FilterLongerThan200Characters_InvalidArgumentNamingTheField(string field)
    {
        var text = new string('x', 201);
        var request = field switch
        {
            "owner" => new ListJobsRequest { Owner = text },
            "name_contains" => new ListJobsRequest { NameContains = text },
            _ => new ListJobsRequest { BatchId = text },
        };

        var ex = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.ListJobsAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal($"{field}: is 201 characters; use at most 200", ex.Status.Detail);
    }
}
