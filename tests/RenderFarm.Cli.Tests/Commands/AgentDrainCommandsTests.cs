using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

/// <summary>`agents drain` and `agents resume`.</summary>
public sealed class AgentDrainCommandsTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private void AddAgents()
    {
        var busy = new AgentInfo { Id = "ag-7", Name = "render-07", State = AgentState.Busy, Slots = 2, FreeSlots = 1 };
        busy.Running.Add(new RunningAttempt { AttemptId = "a1", JobId = "j1", JobName = "Reel 1", Percent = 42 });
        _farmctl.Farm.Agents = new ListAgentsResponse
        {
            Agents = { busy, new AgentInfo { Id = "ag-3", Name = "render-03", State = AgentState.Idle, Slots = 2, FreeSlots = 2 } },
        };
    }

    [Fact]
    public async Task Drain_ByName_SendsTheIdAndReasonAndPrintsTheNewState()
    {
        AddAgents();

        var result = await _farmctl.RunAsync("agents", "drain", "RENDER-07", "--reason", "kernel update");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.DrainRequests);
        Assert.Equal(("ag-7", "kernel update"), (request.AgentId, request.Reason));
        Assert.Equal("drained agent render-07 (ag-7); still finishing 1 attempt(s): draining (kernel update)", result.Out.Trim());
    }

    [Fact]
    public async Task Drain_ById_WithoutReason_Json_IsTheAgent()
    {
        AddAgents();

        var result = await _farmctl.RunAsync("agents", "drain", "ag-3", "--json");

        Assert.Equal("", Assert.Single(_farmctl.Farm.DrainRequests).Reason);
        var agent = AgentInfo.Parser.ParseJson(result.Out);
        Assert.Equal(("ag-3", AgentState.Drained, true), (agent.Id, agent.State, agent.Draining));
    }

    [Fact]
    public async Task Drain_UnknownAgent_ExitCode3WithTheServersMessage()
    {
        AddAgents();

        var result = await _farmctl.RunAsync("agents", "drain", "render-99");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Equal("error: NotFound: agent render-99 not found", result.Error.Trim());
    }

    [Fact]
    public async Task Resume_DrainedAgent_PrintsItIdle()
    {
        AddAgents();
        await _farmctl.RunAsync("agents", "drain", "render-03");

        var result = await _farmctl.RunAsync("agents", "resume", "render-03");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal("ag-3", Assert.Single(_farmctl.Farm.ResumeRequests).AgentId);
        Assert.Equal("resumed agent render-03 (ag-3): idle", result.Out.Trim());
    }

    [Fact]
    public async Task Agents_Table_ShowsDrainStateAndRunningWork()
    {
        AddAgents();
        await _farmctl.RunAsync("agents", "drain", "render-07", "--reason", "kernel update");

        var result = await _farmctl.RunAsync("agents");

        var row = Assert.Single(result.Out.Split('\n'), l => l.Contains("render-07", StringComparison.Ordinal));
        Assert.Contains("draining (kernel update)", row);
        Assert.Contains("Reel 1 42.0% 0 fps", row);
        Assert.Contains("1/2", row);
    }
}
