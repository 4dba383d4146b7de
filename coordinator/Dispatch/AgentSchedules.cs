using RenderFarm.Coordinator.Cluster;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.Schedules;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Dispatch;

/// <summary>
/// Operators set the hours an agent may work from the coordinator (<c>farmctl agents schedule</c>), overriding the
/// agent's own <c>Agent:Guest:Hours</c>. The schedule is checked here with the agent's own parser
/// (<see cref="WorkHours"/>), stored (so it holds across coordinator restarts and agent reconnects), and sent to the
/// agent when it is connected and on every (re)connect; the agent's guest rules then follow it. Until the agent
/// confirms it follows what was sent (<see cref="AgentSession.ScheduleApplied"/>) it gets no new work, so nothing
/// starts under the hours it is leaving. With several coordinators, the one holding the agent's stream is told.
/// </summary>
public sealed class AgentSchedules(AgentScheduleStore store, AgentRegistry agents, AgentDrains drains, IRemoteAgents remote, TimeProvider time)
{
    /// <summary>The longest schedule text accepted.</summary>
    public const int MaxLength = 500;

    /// <summary>The schedule as the agent will read it, trimmed; throws naming what to fix.</summary>
    public static OperatorSchedule Validate(OperatorSchedule? schedule)
    {
        var hours = schedule?.Hours.Trim() ?? "";
        var zone = schedule?.TimeZone.Trim() ?? "";
        var problems = new List<string>();
        if (hours.Length == 0)
        {
            problems.Add("schedule.hours: is required, e.g. \"Mon-Fri 19:00-08:00 slots=2, Sat-Sun all day\"; to give the agent back its own hours, clear the schedule");
        }
        else if (hours.Length > MaxLength || hours.Any(char.IsControl))
        {
            problems.Add($"schedule.hours: at most {MaxLength} characters, no control characters");
        }
        else if (!WorkHours.TryParse(hours, out _, out var problem))
        {
            problems.Add($"schedule.hours: {problem}");
        }

        if (zone.Length > 0 && (zone.Length > 100 || zone.Any(char.IsControl) || !WorkHours.TryFindZone(zone, out _)))
        {
            problems.Add($"schedule.time_zone: '{zone}' is not a time zone this coordinator knows; give an IANA id such as Europe/Paris, or none for the agent's own");
        }

        return problems.Count > 0 ? throw new JobValidationException(problems) : new OperatorSchedule { Hours = hours, TimeZone = zone };
    }

    /// <summary>Stores an operator's schedule for the agent (null: clears it) and tells the agent if it is connected.</summary>
    public async Task SetAsync(string agentId, OperatorSchedule? schedule, CancellationToken cancellationToken)
    {
        var valid = schedule is null ? null : Validate(schedule);
        if (string.IsNullOrWhiteSpace(agentId)) throw new JobValidationException(["agent_id: is required"]);
        if (await store.FindAsync(agentId, cancellationToken) is null) await drains.RequireKnownAsync(agentId, cancellationToken);
        await store.SetAsync(agentId, valid, time.GetUtcNow(), cancellationToken);
        if (agents.Find(agentId) is { } session) Apply(session, valid);
        else
        {
            await remote.AnnounceDrainAsync(agentId, cancellationToken);
            agents.NotifyChanged(agentId);
        }
    }

    /// <summary>Before a (re)connecting agent is offered work: the stored schedule it must follow, if any.</summary>
    public async Task LoadOnJoinAsync(AgentSession session, CancellationToken cancellationToken) =>
        session.OperatorSchedule = await store.FindAsync(session.Id, cancellationToken);

    /// <summary>
    /// Tells a (re)connected agent its operator's schedule, or that it has none when it still follows one (an operator
    /// cleared it while the agent was away).
    /// </summary>
    public static void SendOnJoin(AgentSession session)
    {
        if (session.OperatorSchedule is null && session.Availability.OperatorSchedule is null) return;
        session.Send(Message(session.OperatorSchedule));
    }

    /// <summary>Another coordinator changed this agent's stored schedule: applies it if the agent is connected here.</summary>
    public async Task ApplyStoredAsync(string agentId, CancellationToken cancellationToken)
    {
        if (agents.Find(agentId) is null) return;
        var stored = await store.FindAsync(agentId, cancellationToken);
        if (agents.Find(agentId) is { } session && !Equals(stored, session.OperatorSchedule)) Apply(session, stored);
    }

    /// <summary>Brings every connected agent in line with the stored schedules (a notice may have been missed).</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(cancellationToken);
        foreach (var session in agents.Connected)
        {
            var schedule = stored.GetValueOrDefault(session.Id);
            if (!Equals(schedule, session.OperatorSchedule)) Apply(session, schedule);
        }
    }

    /// <summary>Every stored schedule, by agent id (for agents listed while not connected here).</summary>
    public Task<IReadOnlyDictionary<string, OperatorSchedule>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    private void Apply(AgentSession session, OperatorSchedule? schedule)
    {
        session.OperatorSchedule = schedule;
        session.Send(Message(schedule));
        agents.NotifyChanged(session.Id);
    }

    /// <summary>An empty schedule tells the agent to go back to its own hours.</summary>
    private static ConnectResponse Message(OperatorSchedule? schedule) => new() { OperatorSchedule = schedule?.Clone() ?? new OperatorSchedule() };
}
