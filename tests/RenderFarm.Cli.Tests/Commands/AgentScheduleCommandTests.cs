using RenderFarm.Cli.App;
using RenderFarm.Cli.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Tests.Commands;

/// <summary>`agents schedule`: what it sends, what it prints, and the table's SCHEDULE column.</summary>
public sealed class AgentScheduleCommandTests : IAsyncLifetime
{
    private readonly FarmctlHarness _farmctl = new();

    public Task InitializeAsync() => _farmctl.InitializeAsync();

    public Task DisposeAsync() => _farmctl.DisposeAsync();

    private void AddAgents() => _farmctl.Farm.Agents = new ListAgentsResponse
    {
        Agents =
        {
            new AgentInfo { Id = "ws01", Name = "ws01", State = AgentState.Idle, Slots = 2, FreeSlots = 2 },
            new AgentInfo { Id = "ws02", Name = "ws02", State = AgentState.Idle, Slots = 1, FreeSlots = 1 },
        },
    };

    [Fact]
    public async Task Schedule_ByName_SendsHoursAndZone_PrintsTheScheduleAndState()
    {
        AddAgents();

        var result = await _farmctl.RunAsync("agents", "schedule", "WS01", "Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day", "--time-zone", "Europe/Paris");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var request = Assert.Single(_farmctl.Farm.ScheduleRequests);
        Assert.Equal(("ws01", false), (request.AgentId, request.Clear));
        Assert.Equal(new OperatorSchedule { Hours = "Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day", TimeZone = "Europe/Paris" }, request.Schedule);
        Assert.Equal(
            "agent ws01 (ws01) follows the operator's schedule Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day (Europe/Paris) (not yet confirmed by the agent): idle",
            result.Out.Trim());
    }

    [Fact]
    public async Task Schedule_Clear_SendsClear_AndTheTableDropsTheColumn()
    {
        AddAgents();
        await _farmctl.RunAsync("agents", "schedule", "ws01", "daily 19:00-08:00");

        var result = await _farmctl.RunAsync("agents", "schedule", "ws01", "--clear");
        var table = await _farmctl.RunAsync("agents");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.True(_farmctl.Farm.ScheduleRequests[^1].Clear);
        Assert.Null(_farmctl.Farm.ScheduleRequests[^1].Schedule);
        Assert.Equal("agent ws01 (ws01) follows its own hours again: idle", result.Out.Trim());
        Assert.DoesNotContain("SCHEDULE", table.Out);
    }

    [Fact]
    public async Task Agents_Table_ShowsTheOperatorsScheduleOrOwn()
    {
        AddAgents();
        await _farmctl.RunAsync("agents", "schedule", "ws02", "daily 19:00-08:00", "--time-zone", "UTC");
        _farmctl.Farm.GetAgent("ws02").OperatorScheduleApplied = true;

        var result = await _farmctl.RunAsync("agents");

        var lines = result.Out.Split('\n');
        Assert.Contains("SCHEDULE", lines.First(l => l.Contains("NAME", StringComparison.Ordinal)));
        Assert.Contains("operator: daily 19:00-08:00 (UTC)", Assert.Single(lines, l => l.Contains("ws02", StringComparison.Ordinal)));
        Assert.Contains(" own ", Assert.Single(lines, l => l.Contains("ws01", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(new[] { "agents", "schedule", "ws01" }, "give the HOURS")]
    [InlineData(new[] { "agents", "schedule", "ws01", "daily all day", "--clear" }, "either HOURS (and --time-zone) or --clear")]
    public async Task Schedule_NeitherOrBoth_BadCommandLine(string[] arguments, string message)
    {
        AddAgents();

        var result = await _farmctl.RunAsync(arguments);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Empty(_farmctl.Farm.ScheduleRequests);
    }
}
