using Grpc.Core;
using Grpc.Health.V1;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>Bad requests through the real gRPC surface get the right status and a message naming the field.</summary>
public sealed class JobServiceValidationTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    private async Task<RpcException> Fails(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    [Fact]
    public async Task SubmitJob_NoSpec_InvalidArgumentNamingSpec()
    {
        var ex = await Fails(() => _farm.Jobs.SubmitJobAsync(new SubmitJobRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("spec: is required", ex.Status.Detail);
    }

    [Fact]
    public async Task SubmitJob_InputOutsideRoots_InvalidArgumentNamingPathAndRoots()
    {
        var ex = await Fails(() => _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = "/etc/hostname", OutputPath = "out.mp4", Output = new OutputSettings { Preset = Preset.H264Proxy720P } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("spec.input_path: '/etc/hostname' is outside the media roots", ex.Status.Detail);
    }

    [Fact]
    public async Task SubmitJob_UnknownPresetValue_InvalidArgumentListingPresets()
    {
        File.WriteAllText(Path.Combine(_farm.MediaDir, "a.mov"), "x");
        var ex = await Fails(() => _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { InputPath = "a.mov", OutputPath = "out.mp4", Output = new OutputSettings { Preset = (Preset)99 } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("spec.output.preset: 99 is not a known preset", ex.Status.Detail);
    }

    [Fact]
    public async Task GetJob_UnknownId_NotFound()
    {
        var ex = await Fails(() => _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = "job-deadbeef0000" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("job-deadbeef0000", ex.Status.Detail);
    }

    [Fact]
    public async Task GetJob_EmptyId_InvalidArgument()
    {
        var ex = await Fails(() => _farm.Jobs.GetJobAsync(new GetJobRequest()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("job_id: is required", ex.Status.Detail);
    }

    [Fact]
    public async Task ListJobs_ForgedPageToken_InvalidArgument()
    {
        var ex = await Fails(() => _farm.Jobs.ListJobsAsync(new ListJobsRequest { PageToken = "not-a-token" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("page_token:", ex.Status.Detail);
    }

    [Fact]
    public async Task ListJobs_HugePageSize_InvalidArgument()
    {
        var ex = await Fails(() => _farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 100000 }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task CancelJob_UnknownId_NotFound()
    {
        var ex = await Fails(() => _farm.Jobs.CancelJobAsync(new CancelJobRequest { JobId = "job-000000000000" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task WatchJob_UnknownId_NotFound()
    {
        using var call = _farm.Jobs.WatchJob(new WatchJobRequest { JobId = "job-000000000000" });

        var ex = await Fails(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Health_Overall_Serving()
    {
        var health = new Health.HealthClient(_farm.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task GetQueueStats_EmptyFarm_ZeroCountsForEveryState()
    {
        var stats = await _farm.Farm.GetQueueStatsAsync(new GetQueueStatsRequest());

        Assert.Equal(6, stats.Jobs.Count);
        Assert.All(stats.Jobs, c => Assert.Equal(0u, c.Count));
        Assert.Equal(0u, stats.ConnectedAgents);
    }
}
