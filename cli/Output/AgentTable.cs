using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl agents`: one row per agent the coordinator knows, with the work it runs.</summary>
internal static class AgentTable
{
    public static Table Render(IEnumerable<AgentInfo> agents, TimeProvider time)
    {
        var table = Tables.Create("NAME", "ID", "STATE", "SLOTS BUSY/TOTAL", "RUNNING", "CORES", "MEMORY", "LOAD", "FFMPEG", "TAGS", "LAST SEEN");
        foreach (var column in new[] { 2, 4, 8, 9 })
        {
            table.Columns[column].NoWrap = false;
        }

        foreach (var agent in agents)
        {
            table.AddRow(
                Format.Escape(agent.Name),
                Format.Escape(agent.Id),
                Markup.Escape(State(agent)),
                BusySlots(agent),
                Markup.Escape(Running(agent)),
                agent.Cores.ToString(CultureInfo.InvariantCulture),
                Format.Bytes(agent.MemoryBytes),
                Format.Number(agent.LoadAverage),
                Format.Escape(agent.FfmpegVersion),
                Format.Escape(string.Join(",", agent.Tags)),
                Format.Time(agent.LastSeenTime, time));
        }

        return table;
    }

    /// <summary>Slots in use of all: a disconnected agent uses none (the coordinator counts no free slot for it, which is not "busy").</summary>
    public static string BusySlots(AgentInfo agent) =>
        agent.State == AgentState.Disconnected ? $"0/{agent.Slots}" : $"{agent.Slots - Math.Min(agent.FreeSlots, agent.Slots)}/{agent.Slots}";

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
