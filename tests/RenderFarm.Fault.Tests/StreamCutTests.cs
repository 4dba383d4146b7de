using System.Diagnostics;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// The network between an agent and the coordinator breaks while the agent renders (a TCP relay between them is
/// cut: open connections reset, new ones refused), then heals. Renders run through a gated ffmpeg (real, paced,
/// its exit held until the test releases it), so what is in flight at each step does not depend on the machine's load.
/// </summary>
public sealed class StreamCutTests(ITestOutputHelper output)
{
    [Fact]
    public Task CutLink_LongerThanLease_TaskMovesOnAndReconnectedAgentIsToldToDropIt() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-2.mp4"));
            var target = farm.Media("out/take-2.mp4");
            var relay = farm.StartRelay("relay");
            var cutOff = await farm.StartAgentAsync(new AgentSettings("agent-cut") { Coordinator = relay.Address, PathPrefix = farm.GatedFfmpeg("agent-cut", 1).Folder });
            var job = await farm.SubmitAsync(Specs.Proxy("cut the link", input, target));
            await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 1, TimeSpan.FromSeconds(30), "to be assigned");
            await farm.StartAgentAsync(new AgentSettings("agent-rescue"));
            var stale = Assert.Single(Attempts.Of(await farm.WaitForProgressAsync(job.Id, 10, TimeSpan.FromSeconds(30))));
            Assert.Equal("agent-cut", stale.AgentId);

            var cutAt = DateTimeOffset.UtcNow;
            relay.Cut(refuseNew: true);
            var handed = await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 2, TimeSpan.FromSeconds(30), "to be handed to agent-rescue");
            var takeover = Attempts.Of(handed)[1];
            Assert.Equal("agent-rescue", takeover.AgentId);
            Assert.Equal((stale.Id, AttemptOutcome.Lost), (Attempts.Of(handed)[0].Id, Attempts.Of(handed)[0].Outcome));
            farm.Report($"MEASURE link cut -> lease expired and new attempt started on another agent: {(takeover.StartTime.ToDateTimeOffset() - cutAt).TotalSeconds:0.00} s " +
                $"(lease {farm.Coordinator.Settings.LeaseDuration.TotalSeconds} s, heartbeat {farm.Coordinator.Settings.HeartbeatInterval.TotalSeconds} s, sweep {farm.Coordinator.Settings.LeaseSweepInterval.TotalSeconds} s)");

            relay.Restore();
            await Eventually.UntilAsync(() => cutOff.Lines.Any(l => l.Contains($"Attempt {stale.Id} stopped; nothing was published", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), $"agent-cut to be told to drop {stale.Id} when it reconnects");
            Assert.Contains(cutOff.Lines, l => l.Contains($"Stopping attempt {stale.Id}", StringComparison.Ordinal));

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}");
            var attempts = Attempts.Of(done);
            Assert.True(attempts.Count == 2, $"expected one lost and one successful attempt, got {Attempts.Describe(done)}");
            Assert.Equal((stale.Id, "agent-cut", AttemptOutcome.Lost), (attempts[0].Id, attempts[0].AgentId, attempts[0].Outcome));
            Assert.Equal((takeover.Id, "agent-rescue", AttemptOutcome.Succeeded), (attempts[1].Id, attempts[1].AgentId, attempts[1].Outcome));

            // Both agents are alive, so both removed their scratch folders.
            await Eventually.UntilAsync(() => OutputFolder.ScratchFolders(target).Count == 0, TimeSpan.FromSeconds(15), "scratch folders to be removed");
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
        });

    [Fact]
    public Task CutLink_ShorterThanLease_AgentReconnectsAndTheSameAttemptSucceeds() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { LeaseDuration = TimeSpan.FromSeconds(10) }, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-3.mp4"));
            var target = farm.Media("out/take-3.mp4");
            var relay = farm.StartRelay("relay");
            var gate = farm.GatedFfmpeg("agent-blip", 4);
            var agent = await farm.StartAgentAsync(new AgentSettings("agent-blip") { Coordinator = relay.Address, PathPrefix = gate.Folder });
            var job = await farm.SubmitAsync(Specs.Proxy("blip the link", input, target));
            var attempt = Assert.Single(Attempts.Of(await farm.WaitForProgressAsync(job.Id, 10, TimeSpan.FromSeconds(30))));

            var connectionsBefore = relay.TotalConnections;
            var cut = Stopwatch.StartNew();
            relay.Cut(refuseNew: true);
            await Task.Delay(TimeSpan.FromSeconds(1));
            relay.Restore();
            await Eventually.UntilAsync(async () => relay.TotalConnections > connectionsBefore && (await farm.ListAgentsAsync()).Any(a => a.Name == "agent-blip" && a.RunningAttemptIds.Contains(attempt.Id)),
                TimeSpan.FromSeconds(20), "agent-blip to reconnect and report its attempt again", pollMilliseconds: 50);
            farm.Report($"MEASURE link cut for 1 s -> agent reconnected with its attempt: {cut.Elapsed.TotalSeconds:0.00} s (agent ReconnectMaxDelay 1 s, lease 10 s)");
            gate.Release();

            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            var only = Assert.Single(Attempts.Of(done));
            Assert.Equal((attempt.Id, AttemptOutcome.Succeeded), (only.Id, only.Outcome));
            Assert.DoesNotContain(agent.Lines, l => l.Contains("Stopping attempt", StringComparison.Ordinal));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
        });

    /// <summary>
    /// The link stays cut while the stale agent finishes its render without a lease. It must not publish (it cannot
    /// know whether its lease still holds); the live attempt on the other agent, held until then, commits.
    /// </summary>
    [Fact]
    public Task CutLink_StaleAgentFinishesFirst_StaleRenderIsNotPublishedAndLiveAttemptCommits() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-4.mp4"));
            var target = farm.Media("out/take-4.mp4");
            var relay = farm.StartRelay("relay");
            var staleGate = farm.GatedFfmpeg("agent-cut", 4);
            var liveGate = farm.GatedFfmpeg("agent-rescue", 4);
            var cutOff = await farm.StartAgentAsync(new AgentSettings("agent-cut") { Coordinator = relay.Address, PathPrefix = staleGate.Folder });
            var job = await farm.SubmitAsync(Specs.Proxy("stale agent finishes first", input, target));
            await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 1, TimeSpan.FromSeconds(30), "to be assigned");
            await farm.StartAgentAsync(new AgentSettings("agent-rescue") { PathPrefix = liveGate.Folder });
            var stale = Assert.Single(Attempts.Of(await farm.WaitForProgressAsync(job.Id, 10, TimeSpan.FromSeconds(30))));

            relay.Cut(refuseNew: true);
            await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 2, TimeSpan.FromSeconds(30), "to be handed to agent-rescue");
            staleGate.Release();
            await Eventually.UntilAsync(() => staleGate.HasRendered, TimeSpan.FromSeconds(40), "agent-cut's ffmpeg to finish");
            bool StalePublished() => cutOff.Lines.Any(l => l.Contains($"Attempt {stale.Id}: published", StringComparison.Ordinal));
            await WaitQuietlyAsync(StalePublished, TimeSpan.FromSeconds(5));

            farm.Report($"FINDING agent-cut, cut off and without a lease, {(StalePublished() ? "PUBLISHED its render" : "did not publish its render")}");
            liveGate.Release();
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            relay.Restore();

            Assert.True(done.State == JobState.Succeeded,
                $"the live attempt on agent-rescue should commit, but the job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}; " +
                $"agent-cut (no lease since the cut) {(StalePublished() ? "had published its render at the output path" : "did not publish")}");
            var attempts = Attempts.Of(done);
            Assert.Equal((stale.Id, AttemptOutcome.Lost), (attempts[0].Id, attempts[0].Outcome));
            Assert.Equal(("agent-rescue", AttemptOutcome.Succeeded), (attempts[^1].AgentId, attempts[^1].Outcome));
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
            await Eventually.UntilAsync(() => OutputFolder.ScratchFolders(target).Count == 0, TimeSpan.FromSeconds(15), "agent-cut to drop its stale render after it reconnects");
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
        });

    /// <summary>
    /// With overwrite set, a stale agent that finishes after the live attempt committed must not replace the
    /// committed output (ARCHITECTURE invariant 6: a stale attempt never overwrites a committed output).
    /// </summary>
    [Fact]
    public Task CutLink_StaleAgentFinishesAfterCommit_CommittedOutputIsNotReplaced() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-5.mp4"));
            var target = farm.Media("out/take-5.mp4");
            var relay = farm.StartRelay("relay");
            var staleGate = farm.GatedFfmpeg("agent-cut", 4);
            var cutOff = await farm.StartAgentAsync(new AgentSettings("agent-cut") { Coordinator = relay.Address, PathPrefix = staleGate.Folder });
            var spec = Specs.Proxy("stale agent finishes last", input, target);
            spec.Overwrite = true;
            var job = await farm.SubmitAsync(spec);
            await farm.WaitForJobAsync(job.Id, j => Attempts.Of(j).Count == 1, TimeSpan.FromSeconds(30), "to be assigned");
            await farm.StartAgentAsync(new AgentSettings("agent-rescue"));
            var stale = Assert.Single(Attempts.Of(await farm.WaitForProgressAsync(job.Id, 10, TimeSpan.FromSeconds(30))));

            relay.Cut(refuseNew: true);
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.True(done.State == JobState.Succeeded, $"job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            Assert.Equal("agent-rescue", Attempts.Of(done)[^1].AgentId);
            var committed = await FileIdentity.ReadAsync(target);
            farm.Note($"committed output: {committed}");

            // Now let the stale render end, still cut off, and give the agent time to publish it if it would.
            await Eventually.UntilAsync(() => staleGate.HasRendered, TimeSpan.FromSeconds(40), "agent-cut's ffmpeg to finish");
            staleGate.Release();
            await WaitQuietlyAsync(() => cutOff.Lines.Any(l => l.Contains($"Attempt {stale.Id}", StringComparison.Ordinal)
                && (l.Contains("published", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal))), TimeSpan.FromSeconds(5));
            var replacedWhileCut = await FileIdentity.ReadAsync(target) != committed;
            relay.Restore();
            await Eventually.UntilAsync(() => OutputFolder.ScratchFolders(target).Count == 0, TimeSpan.FromSeconds(15), "agent-cut to clean its scratch folder");

            var now = await FileIdentity.ReadAsync(target);
            Assert.True(now == committed,
                $"the committed output (from {Attempts.Of(done)[^1].Id} on agent-rescue) was replaced {(replacedWhileCut ? "while agent-cut was cut off" : "after the link healed")} " +
                $"by the stale attempt {stale.Id}: before {committed}, after {now}. " +
                $"agent-cut said: {string.Join(" | ", cutOff.Lines.Where(l => l.Contains(stale.Id, StringComparison.Ordinal)).TakeLast(2))}");
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
        });

    /// <summary>Waits up to <paramref name="timeout"/> for something that a correct farm may never do.</summary>
    private static async Task WaitQuietlyAsync(Func<bool> condition, TimeSpan timeout)
    {
        try
        {
            await Eventually.UntilAsync(condition, timeout, "a step that may rightly never happen");
        }
        catch (TimeoutException)
        {
            // Fine: it did not happen.
        }
    }
}
