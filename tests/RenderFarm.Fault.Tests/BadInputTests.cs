using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>Inputs that no retry can fix: the job fails at once, says why, burns no retries, and the farm keeps serving.</summary>
public sealed class BadInputTests(ITestOutputHelper output)
{
    [Fact]
    public Task CorruptInput_FailsOnceAsBadInputNamingTheFile_AndTheNextJobSucceeds() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-a"));
            var corrupt = await FaultClips.WriteGarbageAsync(farm.Media("in/corrupt-take.mp4"));
            var badTarget = farm.Media("out-bad/corrupt-take.mp4");
            var bad = await farm.SubmitAsync(Specs.Proxy("random bytes", corrupt, badTarget, maxRetries: 3));

            var failed = await farm.WaitForEndAsync(bad.Id, TimeSpan.FromSeconds(30));
            Assert.Equal(JobState.Failed, failed.State);
            Assert.Contains("corrupt-take.mp4", failed.Error, StringComparison.Ordinal);
            var attempt = Assert.Single(Attempts.Of(failed));
            Assert.Equal((AttemptOutcome.Failed, FailureClass.BadInput), (attempt.Outcome, attempt.FailureClass));
            Assert.Contains("corrupt-take.mp4", attempt.Error, StringComparison.Ordinal);
            Assert.Equal(1u, failed.Tasks[0].FailedAttempts);
            farm.Report($"FINDING corrupt input error: {failed.Error}");

            var good = await farm.SubmitAsync(Specs.Proxy("good job after a bad one", await FaultClips.CopyToAsync(TestClips.SdrAsync(), farm.Media("in/good.mp4")), farm.Media("out-good/good.mp4")));
            var done = await farm.WaitForEndAsync(good.Id, TimeSpan.FromSeconds(30));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
            await OutputFolder.AssertPublishedWholeAsync(farm.Media("out-good/good.mp4"), FaultClips.ShortFrames);

            // Still one attempt well after the retry base delay: nothing retried the bad job.
            Assert.Single(Attempts.Of(await farm.GetJobAsync(bad.Id)));
            Assert.Empty(OutputFolder.Entries(badTarget));
        });

    /// <summary>
    /// A clip cut short (its index at the front still promises 8 s, half the data is gone) is bad input: ffmpeg
    /// reports "partial file" and decode errors; no retry can produce the missing half.
    /// </summary>
    [Fact]
    public Task TruncatedInput_FailsOnceAsBadInputNamingTheFile() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            await farm.StartAgentAsync(new AgentSettings("agent-a"));
            var truncated = await FaultClips.CopyToAsync(FaultClips.TruncatedAsync(), farm.Media("in/truncated-take.mp4"));
            var target = farm.Media("out/truncated-take.mp4");
            var job = await farm.SubmitAsync(Specs.Proxy("truncated", truncated, target, maxRetries: 3));

            var firstEnded = await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count > 0 && Attempts.Of(j)[0].Outcome != AttemptOutcome.Running,
                TimeSpan.FromSeconds(60), "to end its first attempt");
            var first = Attempts.Of(firstEnded)[0];
            farm.Report($"FINDING truncated input, first attempt: {first.Outcome}/{first.FailureClass}: {first.Error}; job {firstEnded.State}");
            Assert.True(first.FailureClass == FailureClass.BadInput && firstEnded.State == JobState.Failed,
                $"a truncated input should fail the job at once as BAD_INPUT, but the first attempt ended {first.Outcome}/{first.FailureClass} " +
                $"(\"{first.Error}\") and the job is {firstEnded.State} with task {firstEnded.Tasks[0].State}, so it will be retried");
            Assert.Contains("truncated-take.mp4", firstEnded.Error, StringComparison.Ordinal);
            Assert.Empty(OutputFolder.Entries(target));
        });
}
