using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

public sealed class RecentThroughputTests
{
    [Fact]
    public async Task Throughput_IsSharedForASecond_ThenCountedAgainAfterACommit_AndServedWhileCountedAgainWhenNothingChanged()
    {
        await using var farm = await DomainHarness.ForAsync("sqlite");
        var throughput = new RecentThroughput(farm.Store, farm.Time, NullLogger<RecentThroughput>.Instance);
        async Task<int> SucceededInLastMinute() => (await throughput.GetAsync(CancellationToken.None))[0].Succeeded;

        await CompleteOneAsync(farm, "first");
        Assert.Equal(1, await SucceededInLastMinute());

        // Within the second the count is shared, even though a job ended since.
        farm.Time.Advance(TimeSpan.FromSeconds(0.5));
        await CompleteOneAsync(farm, "second");
        Assert.Equal(1, await SucceededInLastMinute());

        // Past it, the job that ended is counted before the answer (stats right after a job ends is right).
        farm.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await SucceededInLastMinute());

        // Nothing committed since: a count a few seconds old is served as it is and counted again in the background
        // (where "first" has slid out of the last minute).
        farm.Time.Advance(TimeSpan.FromSeconds(55));
        Assert.Equal(2, await SucceededInLastMinute());
        farm.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, await SucceededInLastMinute());
        await FarmHost.WaitUntilAsync(async () => await SucceededInLastMinute() == 1, TimeSpan.FromSeconds(30));

        await CompleteOneAsync(farm, "third");
        farm.Time.Advance(RecentThroughput.ServeStaleFor + TimeSpan.FromSeconds(1));
        var windows = await throughput.GetAsync(CancellationToken.None);
        Assert.Equal([(1, 0, 10L), (3, 0, 30L), (3, 0, 30L)], windows);
    }

    private static async Task CompleteOneAsync(DomainHarness farm, string name)
    {
        var job = await farm.SubmitAsync(name);
        var attempt = await farm.AssignAsync(job.Id);
        var fence = await farm.Attempts.CompleteAsync(attempt.AgentId, new TaskCompleted { AttemptId = attempt.Id, Output = new OutputInfo { FrameCount = 10 } }, CancellationToken.None);
        Assert.Equal(Fence.Accepted, fence);
    }
}
