using System.Globalization;
using RenderFarm.Fault.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Fault.Tests;

/// <summary>
/// An operator's schedule set with farmctl on a real coordinator and followed by a real agent process: the agent goes
/// away by the operator's hours and a job waits saying so, through a kill -9 of the coordinator (the schedule is in its
/// database) and a restart of the agent (it is sent again on connect); once cleared, the job runs.
/// </summary>
public sealed class OperatorScheduleTests(ITestOutputHelper output)
{
    [Fact]
    public Task Schedule_ExcludingNow_AgentAwayAndJobWaits_ThroughCoordinatorAndAgentRestarts_ClearingRunsTheJob() =>
        FaultFarm.RunAsync(output, CoordinatorSettings.Fast, async farm =>
        {
            var input = await FaultClips.CopyToAsync(FaultClips.TakeAsync(), farm.Media("in/take-s.mp4"));
            var target = farm.Media("out/take-s.mp4");
            var settings = new AgentSettings("ws-night");
            var agent = await farm.StartAgentAsync(settings);
            // Hours on the day after tomorrow only: now is outside them whatever the time.
            var day = DateTime.UtcNow.AddDays(2).ToString("ddd", CultureInfo.InvariantCulture);
            var hours = $"{day} 19:00-23:00 slots=1";
            var expected = $"outside hours until {day} 19:00 (operator's schedule)";

            var set = await FarmctlAsync(farm, "schedule-set", "agents", "schedule", "ws-night", hours, "--time-zone", "UTC");
            Assert.Contains($"agent ws-night (ws-night) follows the operator's schedule {hours} (UTC)", set);
            await AwayAsync(farm, expected);

            var job = await farm.SubmitAsync(Specs.Proxy("after hours", input, target));
            var waiting = await farm.WaitForJobAsync(job.Id, j => j.Tasks[0].WaitReason?.Kind == WaitReason.Types.Kind.AgentsAway, TimeSpan.FromSeconds(30), "the job to wait for the away agent");
            Assert.Equal($"every capable agent is away: ws-night: {expected}", waiting.Tasks[0].WaitReason.Message);

            farm.Coordinator.Kill();
            farm.Note("killed the coordinator");
            await Task.Delay(500);
            await farm.Coordinator.StartAsync(farm.Channel);
            await farm.WaitForAgentsAsync(["ws-night"], TimeSpan.FromSeconds(60));
            // Had the schedule been lost, the coordinator would tell the agent to go back to its own hours (always).
            await Task.Delay(TimeSpan.FromSeconds(3));
            var afterRestart = await AwayAsync(farm, expected);
            Assert.Equal(new OperatorSchedule { Hours = hours, TimeZone = "UTC" }, afterRestart.OperatorSchedule);

            agent.Kill();
            await Eventually.UntilAsync(async () => (await farm.ListAgentsAsync()).Single(a => a.Name == "ws-night").State == AgentState.Disconnected,
                TimeSpan.FromSeconds(30), "the agent to be listed disconnected");
            await farm.StartAgentAsync(settings);
            await AwayAsync(farm, expected);
            var listed = ListAgentsResponse.Parser.ParseJson(await FarmctlAsync(farm, "agents", "agents", "--json")).Agents.Single(a => a.Name == "ws-night");
            Assert.Equal((hours, "UTC", true), (listed.OperatorSchedule?.Hours, listed.OperatorSchedule?.TimeZone, listed.OperatorScheduleApplied));
            var still = await farm.GetJobAsync(job.Id);
            Assert.Equal(JobState.Queued, still.State);
            Assert.Empty(still.Tasks[0].Attempts);

            var cleared = await FarmctlAsync(farm, "schedule-clear", "agents", "schedule", "ws-night", "--clear");
            Assert.Contains("agent ws-night (ws-night) follows its own hours again", cleared);
            var done = await farm.WaitForEndAsync(job.Id, TimeSpan.FromSeconds(120));
            Assert.True(done.State == JobState.Succeeded, $"the job ended {done.State}: {done.Error}; attempts {Attempts.Describe(done)}");
            Assert.Single(Attempts.Of(done));
            await OutputFolder.AssertPublishedWholeAsync(target, FaultClips.TakeFrames);
        });

    private static async Task<AgentInfo> AwayAsync(FaultFarm farm, string reason)
    {
        AgentInfo agent = null!;
        await Eventually.UntilAsync(async () =>
        {
            agent = (await farm.ListAgentsAsync()).Single(a => a.Name == "ws-night");
            return agent.State == AgentState.Away && agent.AwayReason == reason && agent.OperatorScheduleApplied;
        }, TimeSpan.FromSeconds(30), $"the agent to be away ({reason})");
        return agent;
    }

    private static async Task<string> FarmctlAsync(FaultFarm farm, string name, params string[] arguments)
    {
        var environment = new Dictionary<string, string>(farm.Coordinator.Credentials.FarmctlEnvironment) { ["RENDERFARM_COORDINATOR"] = farm.Coordinator.Address };
        using var farmctl = FarmctlProcess.Start("farmctl-" + name, arguments, environment, farm.Log);
        var exit = await farmctl.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"farmctl {string.Join(' ', arguments)} exited {exit}: {farmctl.Error}");
        return farmctl.Output;
    }
}
