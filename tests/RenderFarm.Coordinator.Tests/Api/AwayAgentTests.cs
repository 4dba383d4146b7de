using System.Globalization;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>An agent whose own rules keep it from work, seen through the real gRPC surface: listed away with why, given nothing, and queued jobs say so.</summary>
public sealed class AwayAgentTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task AgentOutsideItsHours_ListedAwayWithWhy_GetsNoWork_AndTheJobWaitsForIt()
    {
        // Hours on the day after tomorrow only: now is outside them whatever the time.
        var day = DateTime.UtcNow.AddDays(2).ToString("ddd", CultureInfo.InvariantCulture);
        await _farm.StartAgentAsync("ws01", 1, new Dictionary<string, string?>
        {
            ["Agent:Guest:Hours"] = $"{day} 10:00-11:00",
            ["Agent:Guest:TimeZone"] = "UTC",
        });

        var agent = (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single(a => a.Name == "ws01");
        Assert.Equal(AgentState.Away, agent.State);
        Assert.Equal($"outside hours until {day} 10:00", agent.AwayReason);
        Assert.NotNull(agent.AwayUntilTime);

        var input = Path.Combine(_farm.MediaDir, "short.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        var job = (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = "night work", InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "out.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job;
        var waiting = await _farm.WaitForJobAsync(job.Id, j => j.Tasks[0].WaitReason?.Kind == WaitReason.Types.Kind.AgentsAway, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var still = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;

        Assert.Equal($"every capable agent is away: ws01: outside hours until {day} 10:00", waiting.Tasks[0].WaitReason.Message);
        Assert.Equal(agent.AwayUntilTime, waiting.Tasks[0].WaitReason.Until);
        Assert.Equal(JobState.Queued, still.State);
        Assert.Empty(still.Tasks[0].Attempts);
    }
}
