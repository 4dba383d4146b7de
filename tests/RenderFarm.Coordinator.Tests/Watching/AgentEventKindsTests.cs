using Google.Protobuf.WellKnownTypes;
using RenderFarm.Coordinator.Watching;
using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.AgentEvent.Types.Kind;

namespace RenderFarm.Coordinator.Tests.Watching;

public sealed class AgentEventKindsTests
{
    private static readonly Timestamp Connected = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));

    private static AgentInfo Agent(AgentState state = AgentState.Idle, uint freeSlots = 1, bool draining = false, double percent = 0, int lastSeen = 0)
    {
        var agent = new AgentInfo
        {
            Id = "agent-a",
            Name = "agent-a",
            State = state,
            Slots = 1,
            FreeSlots = freeSlots,
            Draining = draining,
            ConnectTime = Connected,
            LastSeenTime = Timestamp.FromDateTimeOffset(Connected.ToDateTimeOffset().AddSeconds(lastSeen)),
        };
        if (percent > 0) agent.Running.Add(new RunningAttempt { AttemptId = "att-1", Percent = percent, Fps = 30, TimeLeft = Duration.FromTimeSpan(TimeSpan.FromSeconds(100 - percent)) });
        return agent;
    }

    [Fact]
    public void Classify_FirstSeenConnected_Joined() => Assert.Equal(Kind.Joined, AgentEventKinds.Classify(null, Agent()));

    [Fact]
    public void Classify_FirstSeenDisconnected_Nothing() => Assert.Null(AgentEventKinds.Classify(null, Agent(AgentState.Disconnected)));

    [Fact]
    public void Classify_Disconnected_Left() => Assert.Equal(Kind.Left, AgentEventKinds.Classify(Agent(), Agent(AgentState.Disconnected)));

    [Fact]
    public void Classify_BackAfterLeaving_Joined() => Assert.Equal(Kind.Joined, AgentEventKinds.Classify(Agent(AgentState.Disconnected), Agent()));

    [Fact]
    public void Classify_Reconnected_Joined()
    {
        var again = Agent();
        again.ConnectTime = Timestamp.FromDateTimeOffset(Connected.ToDateTimeOffset().AddMinutes(1));

        Assert.Equal(Kind.Joined, AgentEventKinds.Classify(Agent(), again));
    }

    [Fact]
    public void Classify_DrainFlag_DrainedThenResumed()
    {
        Assert.Equal(Kind.Drained, AgentEventKinds.Classify(Agent(), Agent(draining: true)));
        Assert.Equal(Kind.Resumed, AgentEventKinds.Classify(Agent(draining: true), Agent()));
    }

    [Fact]
    public void Classify_SlotTaken_Updated() => Assert.Equal(Kind.Updated, AgentEventKinds.Classify(Agent(), Agent(AgentState.Busy, freeSlots: 0, percent: 1)));

    [Fact]
    public void Classify_OnlyHeartbeatAndProgress_Nothing() =>
        Assert.Null(AgentEventKinds.Classify(Agent(AgentState.Busy, 0, percent: 10), Agent(AgentState.Busy, 0, percent: 55, lastSeen: 5)));
}
