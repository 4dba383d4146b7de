using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Dispatch;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Dispatch;

/// <summary>Agents away by their own rules and their schedule's slots, as the dispatcher, the wait reasons and the agent list see them.</summary>
public sealed class AwayAgentRulesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Evening = new(2026, 12, 2, 19, 0, 0, TimeSpan.Zero);
    private readonly DomainHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task WaitReason_EveryCapableAgentAway_CountsThemByReason_UntilTheEarliest_ThenDispatching()
    {
        var task = await _h.TaskOf((await _h.SubmitAsync()).Id);
        var registry = new AgentRegistry();
        var explainer = new WaitExplainer(registry, new NoRemoteAgents());
        var ws01 = Agent("ws01", away: "outside hours until 19:00", until: Evening);
        var ws02 = Agent("ws02", away: "outside hours until 19:00", until: Evening.AddHours(1));
        var ws03 = Agent("ws03", away: "owner active for 3 min");
        foreach (var a in new[] { ws01, ws02, ws03 }) registry.Add(a);

        var away = (await explainer.ExplainAsync(task, [], CancellationToken.None))!;

        Assert.Equal(WaitReason.Types.Kind.AgentsAway, away.Kind);
        Assert.Equal("every capable agent is away: 2 capable agents are outside their hours until 19:00; ws03: owner active for 3 min", away.Message);
        Assert.Equal(Timestamp.FromDateTimeOffset(Evening), away.Until);
        Assert.Equal(["ws01", "ws02", "ws03"], away.AgentIds.Order());

        ws03.Availability = new AgentAvailability();
        Assert.Equal(WaitReason.Types.Kind.Dispatching, (await explainer.ExplainAsync(task, [], CancellationToken.None))!.Kind);
    }

    [Fact]
    public void TryTakeSlot_PeriodSlots_CapWhatTheAgentIsGiven_AndLiftWithThePeriod()
    {
        var agent = Agent("ws01", slots: 2);
        agent.Availability = new AgentAvailability { Slots = 1 };

        Assert.Equal(1, agent.FreeSlots);
        Assert.True(agent.TryTakeSlot());
        Assert.False(agent.TryTakeSlot());
        Assert.Equal(0, agent.FreeSlots);

        agent.Availability = new AgentAvailability { Slots = 2 };
        Assert.Equal(1, agent.FreeSlots);
        Assert.True(agent.TryTakeSlot());
    }

    [Fact]
    public void ToInfo_AwayAndPaused_ListedWithTheirStateAndWhy()
    {
        var away = Agent("ws01", away: "Resolve is running");
        var paused = Agent("ws02", away: "paused: attempt att-1 suspended 40 s");
        paused.Availability.PausedAttemptIds.Add("att-1");
        paused.AddRunning("att-1");

        var awayInfo = FarmStatus.ToInfo(away, connected: true, new Dictionary<string, RunningAttempt>());
        var pausedInfo = FarmStatus.ToInfo(paused, connected: true, new Dictionary<string, RunningAttempt>());
        var gone = FarmStatus.ToInfo(away, connected: false, new Dictionary<string, RunningAttempt>());

        Assert.Equal((AgentState.Away, "Resolve is running"), (awayInfo.State, awayInfo.AwayReason));
        Assert.Equal((AgentState.Paused, "att-1"), (pausedInfo.State, pausedInfo.PausedAttemptIds.Single()));
        Assert.Equal((AgentState.Disconnected, ""), (gone.State, gone.AwayReason));
    }

    private static AgentSession Agent(string name, string away = "", DateTimeOffset? until = null, uint slots = 1)
    {
        var hello = new AgentHello { Name = name, Slots = slots, MediaRoots = { "media" }, Encoders = { "libx264" }, Filters = { "zscale" } };
        hello.Availability = new AgentAvailability { AwayReason = away, UntilTime = until is { } u ? Timestamp.FromDateTimeOffset(u) : null };
        var session = new AgentSession(hello, DateTimeOffset.UnixEpoch);
        return session;
    }
}
