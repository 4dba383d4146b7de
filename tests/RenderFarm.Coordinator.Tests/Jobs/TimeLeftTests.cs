using Microsoft.Extensions.Time.Testing;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Jobs;

public sealed class TimeLeftTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start.AddSeconds(20));

    private TimeLeft Estimator => new(_clock);

    private LiveProgress.Snapshot Report(double percent, double fps, long frames, double secondsAgo = 0) =>
        new(percent, fps, 1, frames, _clock.GetUtcNow().AddSeconds(-secondsAgo));

    [Fact]
    public void ForTask_RateAndFramesDone_RemainingFramesAtThatRate()
    {
        // 25 % done = 300 of 1200 frames; 900 left at 30 fps = 30 s.
        var left = Estimator.ForTask(Report(25, 30, 300), 0, Start);

        Assert.Equal(TimeSpan.FromSeconds(30), left);
    }

    [Fact]
    public void ForTask_PlannedFrames_UsesThemInsteadOfThePercent()
    {
        // A chunk of 600 frames that has done 150 at 50 fps: 9 s, whatever the percent says.
        var left = Estimator.ForTask(Report(40, 50, 150), 600, Start);

        Assert.Equal(TimeSpan.FromSeconds(9), left);
    }

    [Fact]
    public void ForTask_ReportFromSecondsAgo_KeepsCountingDown()
    {
        var left = Estimator.ForTask(Report(25, 30, 300, secondsAgo: 4), 0, Start);

        Assert.Equal(TimeSpan.FromSeconds(26), left);
    }

    [Fact]
    public void ForTask_NoRateYet_ScalesTheTimeRunByThePercent()
    {
        // 20 s run for 40 %: 30 s more.
        var left = Estimator.ForTask(Report(40, 0, 0), 0, Start);

        Assert.Equal(TimeSpan.FromSeconds(30), left);
    }

    [Fact]
    public void ForTask_NothingReportedYet_IsUnknown()
    {
        Assert.Null(Estimator.ForTask(Report(0, 0, 0), 0, Start));
        Assert.Null(Estimator.ForTask(Report(0, 0, 0), 0, null));
    }

    [Fact]
    public void ForTask_OverdueReport_NeverBelowZero()
    {
        Assert.Equal(TimeSpan.Zero, Estimator.ForTask(Report(90, 30, 900, secondsAgo: 60), 0, Start));
    }

    [Fact]
    public void ForTask_RateOfAFrameAnHour_IsUnknownRatherThanYears()
    {
        Assert.Null(Estimator.ForTask(Report(1, 1.0 / 3600, 10), 0, Start));
    }

    [Fact]
    public void ForJob_OneRunningTask_IsThatTask()
    {
        var left = TimeLeft.ForJob([new TimeLeft.Part(TaskState.Running, 50, 25, 0, TimeSpan.FromSeconds(12))]);

        Assert.Equal(TimeSpan.FromSeconds(12), left);
    }

    [Fact]
    public void ForJob_Chunks_OwedFramesAtTheRateOfTheRunningChunks()
    {
        // Chunks of 300 frames: one done, one half done at 20 fps, one at 0 % at 10 fps, one queued.
        // Owed 0 + 150 + 300 + 300 = 750 frames at 30 fps = 25 s.
        var left = TimeLeft.ForJob(
        [
            new TimeLeft.Part(TaskState.Succeeded, 100, 0, 300, null),
            new TimeLeft.Part(TaskState.Running, 50, 20, 300, TimeSpan.FromSeconds(7.5)),
            new TimeLeft.Part(TaskState.Running, 0, 10, 300, TimeSpan.FromSeconds(30)),
            new TimeLeft.Part(TaskState.Queued, 0, 0, 300, null),
            new TimeLeft.Part(TaskState.Waiting, 0, 0, 0, null),
        ]);

        Assert.Equal(TimeSpan.FromSeconds(30), left); // 25 s by rate, but the slowest running chunk needs 30 s
    }

    [Fact]
    public void ForJob_ChunksWithFastRate_OwedFramesOverSummedRate()
    {
        var left = TimeLeft.ForJob(
        [
            new TimeLeft.Part(TaskState.Running, 50, 30, 300, TimeSpan.FromSeconds(5)),
            new TimeLeft.Part(TaskState.Running, 50, 30, 300, TimeSpan.FromSeconds(5)),
            new TimeLeft.Part(TaskState.Queued, 0, 0, 600, null),
        ]);

        Assert.Equal(TimeSpan.FromSeconds(15), left); // 150 + 150 + 600 frames at 60 fps
    }

    [Fact]
    public void ForJob_NothingRunning_IsUnknown()
    {
        Assert.Null(TimeLeft.ForJob([new TimeLeft.Part(TaskState.Queued, 0, 0, 0, null)]));
        Assert.Null(TimeLeft.ForJob([]));
    }
}
