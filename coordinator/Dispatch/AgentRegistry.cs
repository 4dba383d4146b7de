using System.Collections.Concurrent;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>The agents connected to this coordinator, and the last word from those that left.</summary>
public sealed class AgentRegistry
{
    private readonly ConcurrentDictionary<string, AgentSession> _connected = new();
    private readonly ConcurrentDictionary<string, AgentSession> _departed = new();

    /// <summary>Raised with the agent's id when it joins, leaves, or is drained or resumed.</summary>
    public event Action<string>? Changed;

    public IReadOnlyList<AgentSession> Connected => _connected.Values.ToList();

    public IReadOnlyCollection<AgentSession> Departed => _departed.Values.Where(d => !_connected.ContainsKey(d.Id)).ToList();

    /// <summary>Registers a new connection; an older one under the same name is closed.</summary>
    public void Add(AgentSession session)
    {
        _departed.TryRemove(session.Id, out _);
        if (_connected.TryGetValue(session.Id, out var previous) && previous != session)
        {
            previous.Close();
        }

        _connected[session.Id] = session;
        Changed?.Invoke(session.Id);
    }

    public void Remove(AgentSession session)
    {
        if (_connected.TryRemove(new KeyValuePair<string, AgentSession>(session.Id, session)))
        {
            _departed[session.Id] = session;
            Changed?.Invoke(session.Id);
        }
    }

    /// <summary>Tells watchers that something about an agent changed (a drain, say).</summary>
    public void NotifyChanged(string agentId) => Changed?.Invoke(agentId);

    /// <summary>Forgets a departed agent (it leaves the list); false when no departed agent has that id. A connected agent stays.</summary>
    public bool Forget(string agentId)
    {
        if (_connected.ContainsKey(agentId) || !_departed.TryRemove(agentId, out _)) return false;
        Changed?.Invoke(agentId);
        return true;
    }

    /// <summary>Forgets every departed agent last heard from before <paramref name="cutoff"/>; answers their ids.</summary>
    public IReadOnlyList<string> ForgetDepartedBefore(DateTimeOffset cutoff) =>
        Departed.Where(d => d.LastSeen < cutoff).Select(d => d.Id).Where(Forget).ToList();

    public AgentSession? Find(string agentId) => _connected.TryGetValue(agentId, out var s) ? s : null;
}
