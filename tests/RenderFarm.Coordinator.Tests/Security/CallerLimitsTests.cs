using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>A caller that floods gets ResourceExhausted; the others are still served.</summary>
public sealed class CallerLimitsTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync(new Dictionary<string, string?>
    {
        ["Coordinator:Security:RequestsPerSecond"] = "1",
        ["Coordinator:Security:RequestBurst"] = "10",
        ["Coordinator:Security:MaxStreamsPerCaller"] = "2",
        ["Coordinator:Security:MaxRequestBytes"] = "65536",
    });

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task FloodingKey_GetsResourceExhausted_WhileAnotherKeyIsServed()
    {
        var flood = new FarmService.FarmServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("flood", Role.Viewer)));
        var calm = new FarmService.FarmServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("calm", Role.Viewer)));

        var refusals = new List<RpcException>();
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await flood.GetQueueStatsAsync(new GetQueueStatsRequest());
            }
            catch (RpcException ex)
            {
                refusals.Add(ex);
            }
        }

        Assert.True(refusals.Count >= 20, $"{refusals.Count} of 40 calls refused");
        Assert.All(refusals, r => Assert.Equal(StatusCode.ResourceExhausted, r.StatusCode));
        Assert.Contains("too many requests", refusals[0].Status.Detail);
        var served = await calm.GetQueueStatsAsync(new GetQueueStatsRequest());
        Assert.NotNull(served);
    }

    [Fact]
    public async Task RandomInvalidKeys_5000InARow_ResourceExhaustedAfterTheBurst_ValidKeyStillServed()
    {
        var viewer = new FarmService.FarmServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("steady", Role.Viewer)));
        var anonymous = new FarmService.FarmServiceClient(_farm.CreateChannel(null));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var counts = new Dictionary<StatusCode, int>();
        for (var i = 0; i < 5000; i++)
        {
            var key = "rfk_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var refused = await Assert.ThrowsAsync<RpcException>(() => anonymous.GetQueueStatsAsync(new GetQueueStatsRequest(), FarmCredentials.Headers(key)).ResponseAsync);
            counts[refused.StatusCode] = counts.GetValueOrDefault(refused.StatusCode) + 1;
        }

        // 10 at once, then 1 a second while the flood lasts.
        var allowed = 10 + (int)Math.Ceiling(started.Elapsed.TotalSeconds);
        Assert.InRange(counts[StatusCode.Unauthenticated], 10, allowed);
        Assert.Equal(5000 - counts[StatusCode.Unauthenticated], counts[StatusCode.ResourceExhausted]);
        Assert.NotNull(await viewer.GetQueueStatsAsync(new GetQueueStatsRequest()));
    }

    [Fact]
    public async Task ThirdOpenStream_ResourceExhausted_OtherKeysStillWatch()
    {
        var key = await _farm.CreateKeyAsync("watcher", Role.Viewer);
        var farm = new FarmService.FarmServiceClient(_farm.CreateChannel(key));
        using var first = farm.WatchFarm(new WatchFarmRequest());
        using var second = farm.WatchFarm(new WatchFarmRequest());
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(await second.ResponseStream.MoveNext(CancellationToken.None));

        using var third = farm.WatchFarm(new WatchFarmRequest());
        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("too many open streams", refused.Status.Detail);
        using var other = new FarmService.FarmServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("other", Role.Viewer))).WatchFarm(new WatchFarmRequest());
        Assert.True(await other.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task OversizedRequest_ResourceExhausted()
    {
        var spec = new JobSpec { Name = new string('x', 100_000), InputPath = "a.mp4", OutputPath = "b.mp4" };

        var refused = await Assert.ThrowsAsync<RpcException>(() => _farm.Jobs.SubmitJobAsync(new SubmitJobRequest { Spec = spec }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
    }
}
