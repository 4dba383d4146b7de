using System.Diagnostics;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>The coordinator dies (kill -9) and comes back on the same data folder and port.</summary>
public sealed class CoordinatorRestartTests(ITestOutputHelper output)
{
    /// <summary>Long enough that leases taken before the crash outlive a restart and the agents' reconnection.</summary>
    private static readonly CoordinatorSettings SurvivableLeases = CoordinatorSettings.Fast with { LeaseDuration = TimeSpan.FromSeconds(10) };

    [Fact]
    public Task KillCoordinator_MidRender_RestartOnSameDataLosesNoJobAndCommitsEachTaskOnce() =>
        FaultFarm.RunAsync(output, SurvivableLeases, async farm =>
        {
            // Renders are held at their end until the farm is back, so none finishes while the coordinator is down
            // (that case is the next test's).
            var agents = new[] { "agent-a", "agent-b" };
            var gates = agents.Select(name => farm.GatedFfmpeg(name, 4)).ToList();
            await farm.StartAgentsAsync(agents.Zip(gates, (name, gate) => new AgentSettings(name) { PathPrefix = gate.Folder }).ToArray());

            var jobs = await farm.SubmitLongThenShortAsync();

            var before = new Dictionary<string, Job>();
            foreach (var (job, _, _) in jobs.Take(2)) before[job.Id] = await farm.WaitForProgressAsync(job.Id, 5, TimeSpan.FromSeconds(60));
            foreach (var (job, _, _) in jobs.Skip(2))
            {
                var queued = await farm.GetJobAsync(job.Id);
                Assert.True(queued.State == JobState.Queued, $"{job.Id} should wait in the queue behind the long renders, but is {queued.State}");
            }

            var inFlight = before.Values.Select(j => Assert.Single(Attempts.Of(j)).Id).ToList();
            var killedAt = Stopwatch.StartNew();
            farm.Coordinator.Kill();
            farm.Note($"killed the coordinator; attempts in flight: {string.Join(", ", inFlight)}");
            await Task.Delay(500);

            var restart = Stopwatch.StartNew();
            var ready = await farm.Coordinator.StartAsync(farm.Channel);
            await farm.WaitForAgentsAsync(agents, TimeSpan.FromSeconds(60));
            var reconnected = restart.Elapsed;
            var agentsBack = killedAt.Elapsed;
            farm.Report($"MEASURE coordinator restart: process start -> answering gRPC {ready.TotalSeconds:0.00} s; " +
                $"process start -> both agents reconnected {reconnected.TotalSeconds:0.00} s (agents' ReconnectMaxDelay 1 s); " +
                $"kill -> agents reconnected {agentsBack.TotalSeconds:0.00} s");

            foreach (var gate in gates) gate.Release();
            var listed = (await farm.Jobs.ListJobsAsync(new ListJobsRequest { PageSize = 50 })).Jobs.Select(j => j.Id).Order().ToList();
            Assert.Equal(jobs.Select(j => j.Job.Id).Order(), listed);

            var ended = new List<Job>();
            foreach (var (job, _, _) in jobs) ended.Add(await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(90)));

            foreach (var done in ended)
            {
                Assert.True(done.State == JobState.Succeeded, $"{done.Id} ({done.Spec.Name}) ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
                var attempts = Attempts.Of(done);
                Assert.True(attempts.Count(a => a.Outcome == AttemptOutcome.Succeeded) == 1, $"{done.Id} must have exactly one successful attempt: {Attempts.Describe(done)}");
                Assert.True(attempts[^1].Outcome == AttemptOutcome.Succeeded, $"{done.Id}: only the last attempt may succeed: {Attempts.Describe(done)}");
                Assert.All(attempts.SkipLast(1), a => Assert.Equal(AttemptOutcome.Lost, a.Outcome));
            }

            // A lease renewed at most one heartbeat before the crash runs until about kill + lease - heartbeat. When the
            // agents were back well inside that, the work in flight must have carried on under the same attempt ids.
            var leaseLeft = SurvivableLeases.LeaseDuration - SurvivableLeases.HeartbeatInterval - TimeSpan.FromSeconds(1);
            foreach (var done in ended.Take(2))
            {
                var attempts = Attempts.Of(done);
                var continued = attempts.Count == 1 && inFlight.Contains(attempts[0].Id);
                farm.Report($"FINDING {done.Id}: the attempt in flight at the crash {(continued ? "carried on and succeeded after the restart" : "was re-run: " + Attempts.Describe(done))}");
                Assert.True(continued || agentsBack >= leaseLeft,
                    $"the agents were back {agentsBack.TotalSeconds:0.0} s after the crash, inside the {SurvivableLeases.LeaseDuration.TotalSeconds} s lease, " +
                    $"so {done.Id} should have carried on under its attempt, but: {Attempts.Describe(done)}");
            }

            foreach (var (job, target, frames) in jobs)
            {
                await OutputFolder.AssertPublishedWholeAsync(target, frames);
                var done = ended.Single(e => e.Id == job.Id);
                Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
            }
        });

    /// <summary>
    /// The agent finishes its render while the coordinator is down. It holds the verified file in its scratch
    /// folder (only a live lease may publish, and nobody can confirm it), then publishes once the restarted
    /// coordinator confirms the lease; the completion is accepted: the lease is long (30 s), nothing expired.
    /// </summary>
    [Fact]
    public Task CoordinatorDown_WhileAgentFinishesRender_PublishesAfterRestartUnderTheSameAttempt() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast with { LeaseDuration = TimeSpan.FromSeconds(30) }, async farm =>
        {
            var gate = farm.GatedFfmpeg("agent-a", 4);
            await farm.StartAgentAsync(new AgentSettings("agent-a") { PathPrefix = gate.Folder });
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/long.mp4"));
            var target = farm.Media("out/long.mp4");
            var job = await farm.SubmitAsync(Specs.Proxy("finishes while the coordinator is down", input, target));
            var running = await farm.WaitForProgressAsync(job.Id, 1, TimeSpan.FromSeconds(60));
            var attempt = Assert.Single(Attempts.Of(running));

            farm.Coordinator.Kill();
            gate.Release();
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.False(File.Exists(target), "the agent published while no coordinator could confirm its lease");
            farm.Note("the agent holds its verified output while the coordinator is down");

            await farm.Coordinator.StartAsync(farm.Channel);
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(60));

            Assert.True(done.State == JobState.Succeeded,
                $"the render finished while the coordinator was down and its completion was re-sent on reconnect, yet the job ended {done.State}: " +
                $"{done.Error}; attempts {Attempts.Describe(done)}");
            var only = Assert.Single(Attempts.Of(done));
            Assert.Equal((attempt.Id, AttemptOutcome.Succeeded), (only.Id, only.Outcome));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
            Assert.Equal(done.Result.Sha256, await OutputFolder.Sha256Async(target));
        });
}
