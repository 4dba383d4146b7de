using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl agents`: one row per agent the coordinator knows, with the work it runs.</summary>
internal static class AgentTable
{
    /// <remarks>A SCHEDULE column is shown when an operator set the hours of at least one agent.</remarks>
    public static Table Render(IEnumerable<AgentInfo> agents, TimeProvider time)
    {
        var list = agents.ToList();
        var schedules = list.Any(a => a.OperatorSchedule is not null);
        string[] columns = ["NAME", "ID", "STATE", "SLOTS BUSY/TOTAL", "RUNNING", "CORES", "MEMORY", "LOAD", "FFMPEG", "TAGS", "LAST SEEN"];
        var table = Tables.Create(schedules ? [.. columns[..3], "SCHEDULE", .. columns[3..]] : columns);
        foreach (var column in schedules ? new[] { 2, 3, 5, 9, 10 } : [2, 4, 8, 9])
        {
            table.Columns[column].NoWrap = false;
        }

        foreach (var agent in list)
        {
            List<string> cells =
            [
                Format.Escape(agent.Name),
                Format.Escape(agent.Id),
                Markup.Escape(State(agent)),
                BusySlots(agent),
                Markup.Escape(Running(agent)),
                agent.Cores.ToString(CultureInfo.InvariantCulture),
                Format.Bytes(agent.MemoryBytes),
                Format.Number(agent.LoadAverage),
                Format.Escape(agent.FfmpegVersion),
                Format.Escape(TagsAndPools(agent)),
                Format.Time(agent.LastSeenTime, time),
            ];
            if (schedules) cells.Insert(3, agent.OperatorSchedule is null ? "own" : Markup.Escape("operator: " + Schedule(agent)));
            table.AddRow([.. cells]);
        }

        return table;
    }

    /// <summary>
    /// The operator's schedule in force: "Mon-Fri 19:00-08:00 (Europe/Paris)", marked "not yet confirmed" while the
    /// connected agent has not said it follows it.
    /// </summary>
    public static string Schedule(AgentInfo agent)
    {
        if (agent.OperatorSchedule is not { } s) return Format.None;
        var zone = s.TimeZone.Length > 0 ? $" ({s.TimeZone})" : "";
        var pending = !agent.OperatorScheduleApplied && agent.State != AgentState.Disconnected ? " (not yet confirmed by the agent)" : "";
        return $"{s.Hours}{zone}{pending}";
    }

    /// <summary>Busy and total slots; a disconnected agent (which has no free slot to offer) runs nothing: "0/2".</summary>
    public static string BusySlots(AgentInfo agent) =>
        agent.State == AgentState.Disconnected ? $"0/{agent.Slots}" : $"{agent.Slots - Math.Min(agent.FreeSlots, agent.Slots)}/{agent.Slots}";

    /// <summary>Its tags, then its pools in the order it serves them: "gpu,fast pools night,day".</summary>
    public static string TagsAndPools(AgentInfo agent) =>
        string.Join(",", agent.Tags) + (agent.Pools.Count == 0 ? "" : (agent.Tags.Count == 0 ? "" : " ") + "pools " + string.Join(",", agent.Pools));

    /// <summary>
    /// The state, with who drained it or why it is away by its own rules: "draining (kernel update)",
    /// "away (outside hours until 19:00)", "paused: attempt att-1 suspended 40 s".
    /// </summary>
    public static string State(AgentInfo agent) =>
        (agent.Draining || agent.State is AgentState.Draining or AgentState.Drained) && agent.DrainReason.Length > 0
            ? $"{Format.State(agent.State)} ({agent.DrainReason})"
            : agent.AwayReason.Length == 0 || agent.State == AgentState.Disconnected ? Format.State(agent.State)
            : agent.State == AgentState.Paused && agent.AwayReason.StartsWith("paused", StringComparison.Ordinal) ? agent.AwayReason
            : $"{Format.State(agent.State)} ({agent.AwayReason})";

    /// <summary>One line per running attempt: job name (or id), percent, fps.</summary>
    public static string Running(AgentInfo agent) =>
        agent.Running.Count == 0
            ? Format.None
            : string.Join("\n", agent.Running.Select(r => $"{JobName(r)} {Format.Percent(r.Percent)} {Format.Number(r.Fps, "0.#")} fps"));

    public static string JobName(RunningAttempt attempt) => attempt.JobName.Length > 0 ? attempt.JobName : attempt.JobId;
}
