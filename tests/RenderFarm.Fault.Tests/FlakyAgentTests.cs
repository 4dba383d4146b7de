using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>One agent's ffmpeg crashes on every render (a stand-in that exits 1); the other agent's ffmpeg is fine.</summary>
public sealed class FlakyAgentTests(ITestOutputHelper output)
{
    [Fact]
    public Task FfmpegCrashesOnOneAgent_TransientFailureIsRetriedOnAnotherAgent() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { RetryBaseDelay = TimeSpan.FromSeconds(2) }, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-broken") { PathPrefix = farm.FailingFfmpeg() });
            var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/short.mp4"));
            var target = farm.Media("out/short.mp4");
            var job = await farm.SubmitAsync(Specs.Proxy("crashes on one agent", input, target, maxRetries: 10));

            var waiting = await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).FirstOrDefault() is { Outcome: AttemptOutcome.Failed },
                TimeSpan.FromSeconds(30), "to fail on agent-broken");
            var crash = Attempts.Of(waiting)[0];
            Assert.Equal(("agent-broken", FailureClass.Transient, 1), (crash.AgentId, crash.FailureClass, crash.ExitCode));
            Assert.Contains(FfmpegStandIn.CrashMessage, crash.Error, StringComparison.Ordinal);
            Assert.Contains(FfmpegStandIn.CrashMessage, crash.LogTail, StringComparison.Ordinal);
            Assert.True(waiting.Tasks[0].FailedAttempts >= 1);

            // More free slots than agent-broken, so the dispatcher prefers it once a backoff ends.
            await farm.StartAgentAsync(new AgentSettings("agent-good") { Slots = 2 });
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            var attempts = Attempts.Of(done);
            Assert.Equal(("agent-good", AttemptOutcome.Succeeded), (attempts[^1].AgentId, attempts[^1].Outcome));
            Assert.All(attempts.SkipLast(1), a => Assert.Equal(("agent-broken", AttemptOutcome.Failed, FailureClass.Transient), (a.AgentId, a.Outcome, a.FailureClass)));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.ShortFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
        });

    /// <summary>
    /// ARCHITECTURE invariant 5: "An agent that fails the same job repeatedly stops getting that job." The broken
    /// agent has the most free slots, so without that rule the dispatcher hands it every retry until the budget is spent.
    /// </summary>
    [Fact]
    public Task AgentFailsTheSameJobRepeatedly_StopsGettingItAndAnotherAgentSucceeds() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { RetryBaseDelay = TimeSpan.FromMilliseconds(500), RetryMaxDelay = TimeSpan.FromSeconds(1) }, async farm =>
        {
            await farm.StartAgentsAsync(
                new AgentSettings("agent-broken") { Slots = 2, PathPrefix = farm.FailingFfmpeg() },
                new AgentSettings("agent-good") { Slots = 1 });
            var input = await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/short.mp4"));
            var target = farm.Media("out/short.mp4");
            const uint retries = 5;
            var job = await farm.SubmitAsync(Specs.Proxy("keeps failing on one agent", input, target, maxRetries: retries));

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            var attempts = Attempts.Of(done);
            var onBroken = attempts.Count(a => a.AgentId == "agent-broken");
            farm.Report($"FINDING agent-broken was handed the job {onBroken} time(s) out of {attempts.Count}: {Attempts.Describe(done)}");
            Assert.True(done.State == JobState.Succeeded,
                $"agent-broken failed the job {onBroken} time(s) in a row and kept getting it until the retry budget ({retries}) was spent; " +
                $"the job ended {done.State}: {done.Error}");
            Assert.True(onBroken <= retries, $"agent-broken got the job {onBroken} times");
            Assert.Equal(("agent-good", AttemptOutcome.Succeeded), (attempts[^1].AgentId, attempts[^1].Outcome));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.ShortFrames);
        });
}
