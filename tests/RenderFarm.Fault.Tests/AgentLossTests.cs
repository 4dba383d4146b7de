using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>An agent dies (kill -9, its ffmpeg with it) in the middle of a render.</summary>
public sealed class AgentLossTests(ITestOutputHelper output)
{
    [Fact]
    public Task KillAgent_MidRender_LeaseExpiresAndAnotherAgentPublishesOneWholeOutput() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-1.mp4"));
            var target = farm.Media("out/take-1.mp4");
            // Real-time render held at its end: whatever the machine's load, it is still in flight when killed.
            var doomed = await farm.StartAgentAsync(new AgentSettings("agent-doomed") { PathPrefix = farm.GatedFfmpeg("agent-doomed", 1).Folder });
            var job = await farm.SubmitAsync(Specs.Proxy("kill the agent", input, target));
            await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 1, TimeSpan.FromSeconds(30), "to be assigned");
            await farm.StartAgentAsync(new AgentSettings("agent-survivor"));
            var midway = await farm.WaitForProgressAsync(job.Id, 10, TimeSpan.FromSeconds(30));
            var lost = Assert.Single(Attempts.Of(midway));
            Assert.Equal("agent-doomed", lost.AgentId);

            var killedAt = DateTimeOffset.UtcNow;
            doomed.Kill();
            farm.Note($"killed agent-doomed at {midway.Tasks[0].Percent:0.0} %");

            var handed = await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 2, TimeSpan.FromSeconds(30), "to be handed to another agent");
            var takeover = Attempts.Of(handed)[1];
            Assert.Equal("agent-survivor", takeover.AgentId);
            var settings = farm.Coordinator.Settings;
            farm.Report($"MEASURE agent kill -9 -> new attempt started on another agent: {(takeover.StartTime.ToDateTimeOffset() - killedAt).TotalSeconds:0.00} s " +
                $"(lease {settings.LeaseDuration.TotalSeconds} s, heartbeat {settings.HeartbeatInterval.TotalSeconds} s, sweep {settings.LeaseSweepInterval.TotalSeconds} s)");

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
            var attempts = Attempts.Of(done);
            Assert.True(attempts.Count == 2, $"expected one lost and one successful attempt, got {Attempts.Describe(done)}");
            Assert.Equal((lost.Id, AttemptOutcome.Lost, FailureClass.LeaseExpired), (attempts[0].Id, attempts[0].Outcome, attempts[0].FailureClass));
            Assert.Equal((takeover.Id, "agent-survivor", AttemptOutcome.Succeeded), (attempts[1].Id, attempts[1].AgentId, attempts[1].Outcome));
            Assert.Equal(TaskState.Succeeded, done.Tasks[0].State);
            Assert.Equal(0u, done.Tasks[0].FailedAttempts);

            // A killed agent cannot clean up after itself; the attempt that takes over removes what it left.
            Assert.Empty(OutputFolder.ScratchFolders(target));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
        });
}
