using System.Diagnostics;
using Grpc.Net.Client;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests;

/// <summary>Two coordinator processes on one PostgreSQL database; one is killed (kill -9) mid-render.</summary>
public sealed class SeveralCoordinatorsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillOneOfTwoCoordinators_MidRender_AgentsMoveToTheOther_NoJobLostNothingCommittedTwice()
    {
        var settings = CoordinatorSettings.Fast with
        {
            LeaseDuration = TimeSpan.FromSeconds(10),
            PostgresConnectionString = await TestPostgres.CreateDatabaseAsync(),
        };
        await FaultFarm.RunAsync(output, settings, async farm =>
        {
            using var second = new CoordinatorProcess(farm.Folder("data-b"), farm.MediaDir, farm.Folder("coordinator-b"), settings, farm.Log, "coordinator-b")
            {
                Credentials = farm.Coordinator.Credentials, // one farm: the same enrollment token and operator key
            };
            using var channelB = second.Credentials.OperatorChannel(second.Address);
            await second.StartAsync(channelB);
            var jobsB = new JobService.JobServiceClient(channelB);
            var farmB = new FarmService.FarmServiceClient(channelB);

            // agent-a prefers the first coordinator, agent-b the second; each lists both.
            var gateA = farm.GatedFfmpeg("agent-a", 4);
            var gateB = farm.GatedFfmpeg("agent-b", 4);
            await farm.StartAgentAsync(new AgentSettings("agent-a") { PathPrefix = gateA.Folder, Coordinator = $"{farm.Coordinator.Address},{second.Address}" }, waitConnected: false);
            await farm.StartAgentAsync(new AgentSettings("agent-b") { PathPrefix = gateB.Folder, Coordinator = $"{second.Address},{farm.Coordinator.Address}" }, waitConnected: false);
            await farm.WaitForAgentsAsync(["agent-a"], TimeSpan.FromSeconds(60));
            await WaitForAgentsAsync(farmB, ["agent-b"]);

            var jobs = await farm.SubmitLongThenShortAsync(async spec => (await jobsB.SubmitJobAsync(new SubmitJobRequest { Spec = spec })).Job);

            // Both long jobs were submitted to the first coordinator; the second hands one to its own agent.
            var running = new List<Job>();
            foreach (var (job, _, _) in jobs.Take(2))
            {
                running.Add(await farm.WaitForJobAsync(job.Id, j => j.State == JobState.Running, TimeSpan.FromSeconds(60), "to run"));
            }

            var agentsOfLongJobs = running.Select(j => Assert.Single(Attempts.Of(j)).AgentId).Order().ToList();
            Assert.Equal(["agent-a", "agent-b"], agentsOfLongJobs);
            var inFlight = running.Select(j => Attempts.Of(j)[0].Id).ToList();

            // Agents are farm-wide: each coordinator lists the other's agent as connected.
            await WaitForAgentsAsync(farmB, ["agent-a", "agent-b"]);
            await WaitForAgentsAsync(new FarmService.FarmServiceClient(farm.Channel), ["agent-a", "agent-b"]);

            // farmctl talks to the first coordinator (it lists both): watch, logs --follow and top must outlive it.
            var farmctl = new Dictionary<string, string>(farm.Coordinator.Credentials.FarmctlEnvironment)
            {
                ["RENDERFARM_COORDINATOR"] = $"{farm.Coordinator.Address},{second.Address}",
            };
            using var watch = FarmctlProcess.Start("farmctl-watch", ["watch", running[0].Id], farmctl, farm.Log);
            using var logs = FarmctlProcess.Start("farmctl-logs", ["logs", running[1].Id, "--follow"], farmctl, farm.Log);
            using var top = FarmctlProcess.Start("farmctl-top", ["top", "--json"], farmctl, farm.Log);
            await Eventually.UntilAsync(
                () => watch.Output.Length > 0 && logs.Error.Contains("--- attempt", StringComparison.Ordinal) && Snapshots(top) >= 1,
                TimeSpan.FromSeconds(60), "farmctl watch, logs --follow and top to be following the first coordinator");

            var snapshotsBefore = Snapshots(top);
            var killedAt = Stopwatch.StartNew();
            farm.Coordinator.Kill();
            farm.Note($"killed the first coordinator; attempts in flight: {string.Join(", ", inFlight)}");
            await WaitForAgentsAsync(farmB, ["agent-a", "agent-b"]);
            farm.Report($"MEASURE kill -9 of one coordinator -> its agent connected to the other: {killedAt.Elapsed.TotalSeconds:0.00} s");

            gateA.Release();
            gateB.Release();
            var ended = new List<Job>();
            foreach (var (job, _, _) in jobs)
            {
                ended.Add(await Eventually.WaitAsync(async () =>
                {
                    var j = (await jobsB.GetJobAsync(new GetJobRequest { JobId = job.Id }, deadline: DateTime.UtcNow.AddSeconds(5))).Job;
                    return j.State is JobState.Succeeded or JobState.Failed or JobState.Canceled ? j : null;
                }, TimeSpan.FromSeconds(120), $"{job.Id} to end"));
            }

            Assert.Equal(0, await watch.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("lost the coordinator", watch.Error);
            Assert.Contains("reconnected", watch.Error);
            // logs --follow polls: a poll in flight at the kill says "lost the coordinator", one sent after it simply
            // reaches the second address. Either way it follows the render to its end.
            Assert.Equal(0, await logs.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("[renderfarm] published", logs.Output);
            await Eventually.UntilAsync(() => Snapshots(top) > snapshotsBefore, TimeSpan.FromSeconds(30), "farmctl top to rejoin through the second coordinator");
            Assert.False(top.HasExited, "farmctl top ended: " + top.Error);

            var listed = (await jobsB.ListJobsAsync(new ListJobsRequest { PageSize = 50 })).Jobs.Select(j => j.Id).Order().ToList();
            Assert.Equal(jobs.Select(j => j.Job.Id).Order(), listed);
            foreach (var done in ended)
            {
                Assert.True(done.State == JobState.Succeeded, $"{done.Id} ({done.Spec.Name}) ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
                var attempts = Attempts.Of(done);
                Assert.True(attempts.Count(a => a.Outcome == AttemptOutcome.Succeeded) == 1, $"{done.Id} must have exactly one successful attempt: {Attempts.Describe(done)}");
                Assert.True(attempts[^1].Outcome == AttemptOutcome.Succeeded, $"{done.Id}: only the last attempt may succeed: {Attempts.Describe(done)}");
            }

            foreach (var done in ended.Take(2))
            {
                var continued = Attempts.Of(done) is [var only] && inFlight.Contains(only.Id);
                farm.Report($"FINDING {done.Id}: the attempt in flight at the kill {(continued ? "carried on under the other coordinator and succeeded" : "was re-run: " + Attempts.Describe(done))}");
            }

            foreach (var (job, target, frames) in jobs)
            {
                await OutputFolder.AssertPublishedWholeAsync(target, frames);
                Assert.Equal(ended.Single(e => e.Id == job.Id).Result.Sha256, await OutputFolder.Sha256Async(target));
            }
        });
    }

    private static int Snapshots(FarmctlProcess top) =>
        top.Output.Split('\n').Count(line => line.Contains("\"snapshot\"", StringComparison.Ordinal));

    private static Task WaitForAgentsAsync(FarmService.FarmServiceClient farm, IReadOnlyCollection<string> names) =>
        Eventually.UntilAsync(async () =>
        {
            var agents = (await farm.ListAgentsAsync(new ListAgentsRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Agents;
            var connected = agents.Where(a => a.State != AgentState.Disconnected).Select(a => a.Name).ToHashSet();
            return names.All(connected.Contains);
        }, TimeSpan.FromSeconds(60), $"agents {string.Join(", ", names)} to be connected to the second coordinator", pollMilliseconds: 50);
}
