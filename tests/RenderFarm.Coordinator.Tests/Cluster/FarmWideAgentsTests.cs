using Microsoft.Extensions.DependencyInjection;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Cluster;

/// <summary>
/// Two coordinators on one PostgreSQL database, each with a real agent (real ffmpeg): every agent is listed, drained
/// and resumed, and its progress shown, through either coordinator.
/// </summary>
public sealed class FarmWideAgentsTests : IAsyncLifetime
{
    private FarmHost _a = null!;
    private FarmHost _b = null!;

    public async Task InitializeAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = database,
            ["Coordinator:Cluster:PresenceInterval"] = "00:00:00.500",
            ["Coordinator:Cluster:PresenceTimeout"] = "00:00:05",
            ["Coordinator:Cluster:ProgressInterval"] = "00:00:00.250",
        };
        _a = await FarmHost.StartAsync(settings);
        _b = await FarmHost.StartAsync(new Dictionary<string, string?>(settings) { ["Coordinator:MediaRoots:media"] = _a.MediaDir }, _a.Credentials);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task ListAgentsAndQueueStats_OnEitherCoordinator_ShowEveryConnectedAgent()
    {
        await _a.StartAgentAsync("agent-a", slots: 2);
        await _b.StartAgentAsync("agent-b", slots: 1);

        foreach (var farm in new[] { _a, _b })
        {
            var agents = await WaitForAgentsAsync(farm, a => a.Count(x => x.State == AgentState.Idle) == 2);
            Assert.Equal(["agent-a", "agent-b"], agents.Select(a => a.Name));
            Assert.Equal([2u, 1u], agents.Select(a => a.FreeSlots));
            Assert.All(agents, a => Assert.Equal(["media"], a.MediaRoots));
            Assert.All(agents, a => Assert.Contains("libx264", a.Encoders));
            var stats = await farm.Farm.GetQueueStatsAsync(new GetQueueStatsRequest());
            Assert.Equal((2u, 3u, 0u), (stats.ConnectedAgents, stats.TotalSlots, stats.BusySlots));
        }
    }

    [Fact]
    public async Task StoppedCoordinator_ItsAgentsShowDisconnectedOnTheOther()
    {
        await _a.StartAgentAsync("agent-a");
        await WaitForAgentsAsync(_b, a => a.Any(x => x.Name == "agent-a" && x.State == AgentState.Idle));

        await _a.StopCoordinatorAsync();

        var agents = await WaitForAgentsAsync(_b, a => a.Any(x => x.Name == "agent-a" && x.State == AgentState.Disconnected));
        Assert.Equal(0u, (await _b.Farm.GetQueueStatsAsync(new GetQueueStatsRequest())).ConnectedAgents);
        Assert.Empty(agents.Single().RunningAttemptIds);
    }

    [Fact]
    public async Task OperatorSchedule_ThroughTheCoordinatorWithoutTheStream_ReachesTheAgent_AndClearingToo()
    {
        await _a.StartAgentAsync("agent-a");
        await WaitForAgentsAsync(_b, a => a.Any(x => x.Name == "agent-a" && x.State == AgentState.Idle));
        var day = DateTime.UtcNow.AddDays(2).ToString("ddd", System.Globalization.CultureInfo.InvariantCulture);

        await _b.Farm.SetAgentScheduleAsync(new SetAgentScheduleRequest { AgentId = "agent-a", Schedule = new OperatorSchedule { Hours = $"{day} 10:00-11:00", TimeZone = "UTC" } });

        var expected = $"outside hours until {day} 10:00 (operator's schedule)";
        foreach (var farm in new[] { _a, _b })
        {
            var agent = (await WaitForAgentsAsync(farm, a => a.Single(x => x.Name == "agent-a").AwayReason == expected)).Single(x => x.Name == "agent-a");
            Assert.Equal((AgentState.Away, $"{day} 10:00-11:00", true), (agent.State, agent.OperatorSchedule?.Hours, agent.OperatorScheduleApplied));
        }

        await _b.Farm.SetAgentScheduleAsync(new SetAgentScheduleRequest { AgentId = "agent-a", Clear = true });

        var back = (await WaitForAgentsAsync(_a, a => a.Single(x => x.Name == "agent-a").State == AgentState.Idle)).Single(x => x.Name == "agent-a");
        Assert.Null(back.OperatorSchedule);
    }

    [Fact]
    public async Task DrainAndResume_ThroughTheCoordinatorWithoutTheStream_ReachTheAgentAtOnce()
    {
        await _a.StartAgentAsync("agent-a");
        await WaitForAgentsAsync(_b, a => a.Any(x => x.Name == "agent-a" && x.State == AgentState.Idle));

        var drained = (await _b.Farm.DrainAgentAsync(new DrainAgentRequest { AgentId = "agent-a", Reason = "swapping a disk" })).Agent;
        Assert.Equal((AgentState.Drained, true, "swapping a disk"), (drained.State, drained.Draining, drained.DrainReason));

        // The coordinator holding the stream applied it: its own session is drained (it sent the agent the drain).
        var onA = await WaitForAgentsAsync(_a, a => a.Single(x => x.Name == "agent-a").State == AgentState.Drained);
        Assert.Equal("swapping a disk", onA.Single(x => x.Name == "agent-a").DrainReason);

        var job = await SubmitAsync(_b, "short.mp4", TestClips.SdrAsync());
        var waiting = await _a.WaitForJobAsync(job.Id, j => j.Tasks[0].WaitReason?.Kind == WaitReason.Types.Kind.AgentsDraining, TimeSpan.FromSeconds(20));
        Assert.Equal(JobState.Queued, waiting.State);

        // The coordinator without agents explains the wait by the agent the other one holds, not "no agent is connected".
        var reason = (await _b.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job.Tasks[0].WaitReason;
        Assert.Equal(WaitReason.Types.Kind.AgentsDraining, reason.Kind);
        Assert.Equal(["agent-a"], reason.AgentIds);
        Assert.Contains("agent-a (swapping a disk)", reason.Message);

        var resumed = (await _b.Farm.ResumeAgentAsync(new ResumeAgentRequest { AgentId = "agent-a" })).Agent;
        Assert.False(resumed.Draining);
        var done = await _b.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
        Assert.True(done.State == JobState.Succeeded, done.Error);
        Assert.Equal("agent-a", done.Tasks[0].Attempts.Single().AgentId);
        Assert.Equal((long)done.Result.FrameCount, await Ffprobe.CountFramesAsync(done.Result.Path));
    }

    [Fact]
    public async Task WaitReason_OnACoordinatorWithoutAgents_SaysTheOtherCoordinatorsAgentIsBusy()
    {
        await _a.StartAgentAsync("agent-a");
        await WaitForAgentsAsync(_b, a => a.Any(x => x.Name == "agent-a" && x.State == AgentState.Idle));
        // An HEVC delivery of 20 s keeps the only slot busy for longer than the checks below take.
        var first = await SubmitAsync(_b, "long.mp4", TestClips.LongAsync(), Preset.HevcDelivery);
        await _b.WaitForJobAsync(first.Id, j => j.State == JobState.Running, TimeSpan.FromSeconds(30));

        var second = await SubmitAsync(_b, "short.mp4", TestClips.SdrAsync());
        var waiting = await _b.WaitForJobAsync(second.Id, j => j.Tasks[0].WaitReason?.Kind == WaitReason.Types.Kind.SlotsBusy, TimeSpan.FromSeconds(20));

        Assert.Equal(JobState.Queued, waiting.State);
        Assert.Equal("all 1 slot(s) on 1 capable agent(s) are busy", waiting.Tasks[0].WaitReason.Message);
        Assert.Equal(["agent-a"], waiting.Tasks[0].WaitReason.AgentIds);
        var stats = await _b.Farm.GetQueueStatsAsync(new GetQueueStatsRequest());
        Assert.Equal((1u, 1u, 1u), (stats.ConnectedAgents, stats.TotalSlots, stats.BusySlots));
        await _b.Jobs.CancelJobAsync(new CancelJobRequest { JobId = first.Id });
        var done = await _b.WaitForJobAsync(second.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
        Assert.True(done.State == JobState.Succeeded, done.Error);
    }

    [Fact]
    public async Task Progress_OfAnAgentOnOneCoordinator_ShowsInGetJobWatchJobAndListAgentsOnTheOther()
    {
        await _a.StartAgentAsync("agent-a");
        var job = await SubmitAsync(_b, "long.mp4", TestClips.LongAsync());

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var watch = _b.Jobs.WatchJob(new WatchJobRequest { JobId = job.Id }, cancellationToken: cts.Token);
        var percents = new List<double>();
        while (await watch.ResponseStream.MoveNext(cts.Token))
        {
            var seen = watch.ResponseStream.Current.Job;
            if (seen.State == JobState.Running && seen.Tasks[0].Percent > 0) percents.Add(seen.Tasks[0].Percent);
            if (percents.Count >= 3 || seen.State is JobState.Succeeded or JobState.Failed) break;
        }

        Assert.True(percents.Count >= 3, $"WatchJob on the other coordinator showed progress {percents.Count} times before the job ended");
        Assert.True(percents.SequenceEqual(percents.Order()), $"progress went backwards: {string.Join(", ", percents)}");

        var running = await _b.WaitForJobAsync(job.Id, j => j.State != JobState.Running || (j.Tasks[0].Percent > 0 && j.Tasks[0].Fps > 0), TimeSpan.FromSeconds(60));
        if (running.State == JobState.Running)
        {
            var agent = (await _b.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single(a => a.Name == "agent-a");
            Assert.Equal(AgentState.Busy, agent.State);
            Assert.Equal(running.Tasks[0].Attempts[^1].Id, agent.Running.Single().AttemptId);
            Assert.Equal(job.Id, agent.Running.Single().JobId);
        }

        var done = await _b.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(done.State == JobState.Succeeded, done.Error);
    }

    private static async Task<IReadOnlyList<AgentInfo>> WaitForAgentsAsync(FarmHost farm, Func<IReadOnlyList<AgentInfo>, bool> condition)
    {
        IReadOnlyList<AgentInfo> agents = [];
        await FarmHost.WaitUntilAsync(async () => condition(agents = (await farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.ToList()), TimeSpan.FromSeconds(30));
        return agents;
    }

    private static async Task<Job> SubmitAsync(FarmHost farm, string name, Task<string> clip, Preset preset = Preset.H264Proxy540P)
    {
        var media = farm.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Coordinator:MediaRoots:media"]!;
        var input = Path.Combine(media, name);
        await TestClips.CopyAsync(clip, input);
        return (await farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec
            {
                Name = name,
                InputPath = input,
                OutputPath = Path.Combine(media, "out-" + Path.GetFileNameWithoutExtension(name) + ".mp4"),
                Output = new OutputSettings { Preset = preset },
            },
        })).Job;
    }
}
