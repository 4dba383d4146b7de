using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>A retry backoff is a persistent Quartz trigger: a coordinator crash during the backoff does not lose the retry.</summary>
public sealed class RetryBackoffRestartTests(ITestOutputHelper output)
{
    [Fact]
    public Task CoordinatorKilledDuringRetryBackoff_TaskIsReleasedAfterRestartAndSucceeds() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { RetryBaseDelay = TimeSpan.FromSeconds(8), RetryMaxDelay = TimeSpan.FromSeconds(30) }, async farm =>
        {
            var (job, notBefore) = await FailOnceAsync(farm);

            // Well inside the backoff, once the release trigger has been stored (the next test is about a crash before that).
            await Task.Delay(TimeSpan.FromSeconds(1));
            farm.Coordinator.Kill();
            var restartedAt = DateTimeOffset.UtcNow;
            await farm.Coordinator.StartAsync(farm.Channel);
            var afterRestart = await farm.GetJobAsync(job.Id);
            if (DateTimeOffset.UtcNow < notBefore - TimeSpan.FromMilliseconds(200))
            {
                Assert.Equal(TaskState.Waiting, afterRestart.Tasks[0].State);
                Assert.Equal(notBefore, afterRestart.Tasks[0].NotBeforeTime.ToDateTimeOffset());
            }

            await farm.StartAgentAsync(new AgentSettings("agent-good"));
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            var attempts = Attempts.Of(done);
            Assert.Equal(2, attempts.Count);
            var retry = attempts[1];
            Assert.Equal(("agent-good", AttemptOutcome.Succeeded), (retry.AgentId, retry.Outcome));
            Assert.True(retry.StartTime.ToDateTimeOffset() >= notBefore - TimeSpan.FromMilliseconds(100),
                $"the retry started at {retry.StartTime.ToDateTimeOffset():HH:mm:ss.fff}, before its backoff ended at {notBefore:HH:mm:ss.fff}");
            Assert.True(retry.StartTime.ToDateTimeOffset() >= restartedAt);
            Assert.Equal(1u, done.Tasks[0].FailedAttempts);
            farm.Report($"MEASURE backoff ended {notBefore:HH:mm:ss.fff}, coordinator restarted {restartedAt:HH:mm:ss.fff}, retry started {retry.StartTime.ToDateTimeOffset():HH:mm:ss.fff}");
            await OutputFolder.AssertPublishedWholeAsync(farm.Media("out/short.mp4"), FaultClips.ShortFrames);
        });

    /// <summary>
    /// The coordinator commits a task's WAITING state and stores its Quartz release trigger in two transactions
    /// (AttemptLifecycle.FailAsync, then AfterFailureAsync -> QuartzReleaseScheduler). A kill -9 between the two
    /// leaves a task WAITING with no trigger: killing the coordinator within a few milliseconds of WAITING showing in
    /// GetJob left no trigger in the database in every probe. This test makes that state without racing the crash
    /// (it removes the trigger while the coordinator is down) and asks what the database says: the task is WAITING
    /// until a time now past, so after the restart it must run again.
    /// </summary>
    [Fact]
    public Task CrashBetweenWaitingAndItsReleaseTrigger_TaskIsStillReleasedAfterRestart() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { RetryBaseDelay = TimeSpan.FromSeconds(4), RetryMaxDelay = TimeSpan.FromSeconds(8) }, async farm =>
        {
            var (job, notBefore) = await FailOnceAsync(farm);
            farm.Coordinator.Kill();
            var removed = await QuartzTables.DeleteReleaseTriggerAsync(farm.DataDir, job.Tasks[0].Id);
            farm.Note($"removed {removed} row(s) of the release trigger of {job.Tasks[0].Id}");
            await farm.Coordinator.StartAsync(farm.Channel);
            await farm.StartAgentAsync(new AgentSettings("agent-good"));

            // Released means out of WAITING (queued for an agent, or already running): that must happen soon after the
            // backoff ends; rendering it afterwards takes what the machine gives it.
            var deadline = notBefore + TimeSpan.FromSeconds(10);
            Job latest;
            while ((latest = await farm.GetJobAsync(job.Id)).Tasks[0].State == TaskState.Waiting && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.True(latest.Tasks[0].State != TaskState.Waiting,
                $"{(DateTimeOffset.UtcNow - notBefore).TotalSeconds:0} s after its backoff ended at {notBefore:HH:mm:ss.fff} the task is still WAITING " +
                $"(not before {latest.Tasks[0].NotBeforeTime?.ToDateTimeOffset():HH:mm:ss.fff}): nothing releases a WAITING task whose release " +
                $"trigger was never stored; attempts {Attempts.Describe(latest)}");
            latest = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(latest.State == JobState.Succeeded, $"job ended {latest.State}: {latest.Error}; attempts {Attempts.Describe(latest)}");
            Assert.Equal(("agent-good", AttemptOutcome.Succeeded), (Attempts.Of(latest)[^1].AgentId, Attempts.Of(latest)[^1].Outcome));
            await OutputFolder.AssertPublishedWholeAsync(farm.Media("out/short.mp4"), FaultClips.ShortFrames);
        });

    /// <summary>Submits a short job to an agent whose ffmpeg crashes, then waits until its task waits out a retry backoff.</summary>
    private static async Task<(Job Job, DateTimeOffset NotBefore)> FailOnceAsync(FaultFarm farm)
    {
        var broken = await farm.StartAgentAsync(new AgentSettings("agent-broken") { PathPrefix = farm.FailingFfmpeg() });
        var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/short.mp4"));
        var job = await farm.SubmitAsync(Specs.Proxy("retry across a restart", input, farm.Media("out/short.mp4")));

        var waiting = await farm.WaitForJobAsync(job.Id, j => j.Tasks.Count == 1 && j.Tasks[0].State == TaskState.Waiting,
            TimeSpan.FromSeconds(30), "to wait out a retry backoff");
        var notBefore = waiting.Tasks[0].NotBeforeTime.ToDateTimeOffset();
        Assert.Equal(JobState.Waiting, waiting.State);
        var failed = Assert.Single(Attempts.Of(waiting));
        Assert.Equal(("agent-broken", AttemptOutcome.Failed, FailureClass.Transient), (failed.AgentId, failed.Outcome, failed.FailureClass));
        farm.Note($"backoff until {notBefore:HH:mm:ss.fff}");

        // The retry must not go back to the broken agent, so it leaves; not at once: an agent whose stream closes
        // while the coordinator still handles its failure report can make the coordinator drop the release trigger
        // (the stream's cancellation reaches QuartzReleaseScheduler after WAITING was committed).
        await Task.Delay(TimeSpan.FromSeconds(1));
        broken.Kill();
        return (waiting, notBefore);
    }
}
