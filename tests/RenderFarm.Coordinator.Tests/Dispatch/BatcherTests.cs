using RenderFarm.Coordinator.Dispatch;

namespace RenderFarm.Coordinator.Tests.Dispatch;

public sealed class BatcherTests
{
    [Fact]
    public async Task ItemsQueuedWhileABatchRuns_RunAsTheNextBatch_AndEachCallerGetsItsOwnAnswer()
    {
        var batches = new List<IReadOnlyList<int>>();
        var firstRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new Batcher<int, string>(async items =>
        {
            lock (batches) batches.Add(items);
            if (items.Contains(1))
            {
                firstRunning.SetResult();
                await releaseFirst.Task;
            }

            return items.Select(i => $"answer {i}").ToList();
        }, maxBatch: 3);

        var first = batcher.RunAsync(1);
        await firstRunning.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = Enumerable.Range(2, 4).Select(batcher.RunAsync).ToList();
        releaseFirst.SetResult();

        Assert.Equal("answer 1", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["answer 2", "answer 3", "answer 4", "answer 5"], await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([[1], [2, 3, 4], [5]], batches.Select(b => b.ToArray()));
    }

    [Fact]
    public async Task BatchThatFails_RunsEachItemAlone_SoOnlyTheBadItemFails()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<IReadOnlyList<int>>();
        var batcher = new Batcher<int, int>(async items =>
        {
            lock (batches) batches.Add(items);
            if (items.Contains(0))
            {
                running.SetResult();
                await release.Task;
            }

            if (items.Contains(13)) throw new InvalidOperationException("item 13 is bad");
            return items.Select(i => i * 10).ToList();
        }, maxBatch: 10);

        var gate = batcher.RunAsync(0);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var good = batcher.RunAsync(1);
        var bad = batcher.RunAsync(13);
        var alsoGood = batcher.RunAsync(2);
        release.SetResult();

        Assert.Equal(0, await gate.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(10, await good.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(20, await alsoGood.WaitAsync(TimeSpan.FromSeconds(10)));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bad.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("item 13 is bad", error.Message);
        Assert.Equal([[0], [1, 13, 2], [1], [13], [2]], batches.Select(b => b.ToArray()));
    }
}
