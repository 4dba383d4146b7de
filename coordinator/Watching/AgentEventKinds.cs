using RenderFarm.Protos.V1;
using Kind = RenderFarm.Protos.V1.AgentEvent.Types.Kind;

namespace RenderFarm.Coordinator.Watching;

/// <summary>Names the change between the AgentInfo the log last carried and the agent as it is now.</summary>
public static class AgentEventKinds
{
    /// <summary>
    /// The kind of event, or null when nothing worth an event changed. Heartbeat times and the progress of
    /// running attempts do not count: progress travels in job events.
    /// </summary>
    public static Kind? Classify(AgentInfo? previous, AgentInfo current)
    {
        var connected = current.State != AgentState.Disconnected;
        var wasConnected = previous is not null && previous.State != AgentState.Disconnected;
        if (!wasConnected) return connected ? Kind.Joined : null;
        if (!connected) return Kind.Left;
        if (!Equals(previous!.ConnectTime, current.ConnectTime)) return Kind.Joined;
        if (current.Draining != previous.Draining) return current.Draining ? Kind.Drained : Kind.Resumed;
        return Comparable(current).Equals(Comparable(previous)) ? null : Kind.Updated;
    }

    private static AgentInfo Comparable(AgentInfo agent)
    {
        var copy = agent.Clone();
        copy.LastSeenTime = null;
        foreach (var running in copy.Running)
        {
            running.Percent = 0;
            running.Fps = 0;
            running.Speed = 0;
            running.TimeLeft = null;
        }

        return copy;
    }
}
