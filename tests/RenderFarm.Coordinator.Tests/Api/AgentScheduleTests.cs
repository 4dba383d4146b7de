using System.Globalization;
using Grpc.Core;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Api;

/// <summary>
/// An operator's schedule for an agent, through the real gRPC surface and a real agent: the agent follows it instead of
/// its own hours (listed away by the operator's hours, given nothing, and a queued job says so), clearing it lets the job
/// run, and a schedule that cannot be read, a caller who may not set it, or an unknown agent are refused saying why.
/// </summary>
public sealed class AgentScheduleTests : IAsyncLifetime
{
    private FarmHost _farm = null!;

    public async Task InitializeAsync() => _farm = await FarmHost.StartAsync();

    public Task DisposeAsync() => _farm.DisposeAsync().AsTask();

    [Fact]
    public async Task SetAgentSchedule_ExcludingNow_AgentAwayByTheOperatorsHours_JobWaitsForIt_ClearingLetsItRun()
    {
        await _farm.StartAgentAsync("ws01", 1);
        // Hours on the day after tomorrow only: now is outside them whatever the time.
        var day = DateTime.UtcNow.AddDays(2).ToString("ddd", CultureInfo.InvariantCulture);
        var hours = $"{day} 10:00-11:00 slots=1";

        var set = (await _farm.Farm.SetAgentScheduleAsync(new SetAgentScheduleRequest
        {
            AgentId = "ws01",
            Schedule = new OperatorSchedule { Hours = $"  {hours} ", TimeZone = "UTC" },
        })).Agent;
        Assert.Equal(new OperatorSchedule { Hours = hours, TimeZone = "UTC" }, set.OperatorSchedule);

        var expected = $"outside hours until {day} 10:00 (operator's schedule)";
        var agent = await AgentAsync(a => a.AwayReason == expected);
        Assert.Equal(AgentState.Away, agent.State);
        Assert.True(agent.OperatorScheduleApplied);
        Assert.NotNull(agent.AwayUntilTime);

        var job = await SubmitAsync();
        var waiting = await _farm.WaitForJobAsync(job.Id, j => j.Tasks[0].WaitReason?.Kind == WaitReason.Types.Kind.AgentsAway, TimeSpan.FromSeconds(20));
        Assert.Equal($"every capable agent is away: ws01: {expected}", waiting.Tasks[0].WaitReason.Message);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var still = (await _farm.Jobs.GetJobAsync(new GetJobRequest { JobId = job.Id })).Job;
        Assert.Equal(JobState.Queued, still.State);
        Assert.Empty(still.Tasks[0].Attempts);

        var cleared = (await _farm.Farm.SetAgentScheduleAsync(new SetAgentScheduleRequest { AgentId = "ws01", Clear = true })).Agent;
        Assert.Null(cleared.OperatorSchedule);
        var done = await _farm.WaitForJobAsync(job.Id, j => j.State is JobState.Succeeded or JobState.Failed, TimeSpan.FromSeconds(90));
        Assert.Equal(JobState.Succeeded, done.State);
        var back = await AgentAsync(a => a.AwayReason.Length == 0);
        Assert.Null(back.OperatorSchedule);
    }

    [Fact]
    public async Task SetAgentSchedule_ScheduleTheAgentCannotRead_InvalidArgumentSayingWhatToFix()
    {
        await _farm.StartAgentAsync("ws02", 1);

        var hours = await RefusedAsync(new SetAgentScheduleRequest { AgentId = "ws02", Schedule = new OperatorSchedule { Hours = "Mon-Fri 19:00-25:00" } });
        var zone = await RefusedAsync(new SetAgentScheduleRequest { AgentId = "ws02", Schedule = new OperatorSchedule { Hours = "daily all day", TimeZone = "Europe/Pariss" } });
        var empty = await RefusedAsync(new SetAgentScheduleRequest { AgentId = "ws02" });

        Assert.Equal((StatusCode.InvalidArgument, "schedule.hours: 'Mon-Fri 19:00-25:00': hours must be HH:MM, 00:00 to 24:00"), (hours.StatusCode, hours.Status.Detail));
        Assert.Equal(StatusCode.InvalidArgument, zone.StatusCode);
        Assert.StartsWith("schedule.time_zone: 'Europe/Pariss' is not a time zone this coordinator knows; give an IANA id such as Europe/Paris", zone.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("to give the agent back its own hours, clear the schedule", empty.Status.Detail);
        Assert.Null((await AgentAsync(a => true, "ws02")).OperatorSchedule);
    }

    [Fact]
    public async Task SetAgentSchedule_EditorKey_PermissionDenied_UnknownAgent_NotFound()
    {
        await _farm.StartAgentAsync("ws03", 1);
        var editor = new FarmService.FarmServiceClient(_farm.CreateChannel(await _farm.CreateKeyAsync("alice", Role.Editor)));
        var request = new SetAgentScheduleRequest { AgentId = "ws03", Schedule = new OperatorSchedule { Hours = "daily 19:00-08:00" } };

        var denied = await Assert.ThrowsAsync<RpcException>(() => editor.SetAgentScheduleAsync(request).ResponseAsync);
        var unknown = await RefusedAsync(new SetAgentScheduleRequest { AgentId = "ghost", Schedule = request.Schedule });

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("ghost", unknown.Status.Detail);
        Assert.Null((await AgentAsync(a => true, "ws03")).OperatorSchedule);
    }

    private async Task<RpcException> RefusedAsync(SetAgentScheduleRequest request) =>
        await Assert.ThrowsAsync<RpcException>(() => _farm.Farm.SetAgentScheduleAsync(request).ResponseAsync);

    private async Task<AgentInfo> AgentAsync(Func<AgentInfo, bool> condition, string name = "ws01")
    {
        AgentInfo agent = null!;
        await FarmHost.WaitUntilAsync(async () => condition(agent = (await _farm.Farm.ListAgentsAsync(new ListAgentsRequest())).Agents.Single(a => a.Name == name)), TimeSpan.FromSeconds(20));
        return agent;
    }

    private async Task<Job> SubmitAsync()
    {
        var input = Path.Combine(_farm.MediaDir, "short.mp4");
        await TestClips.CopyAsync(TestClips.SdrAsync(), input);
        return (await _farm.Jobs.SubmitJobAsync(new SubmitJobRequest
        {
            Spec = new JobSpec { Name = "after hours", InputPath = input, OutputPath = Path.Combine(_farm.MediaDir, "out.mp4"), Output = new OutputSettings { Preset = Preset.H264Proxy540P } },
        })).Job;
    }
}
