using System.Globalization;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>`farmctl agents`: one row per agent the coordinator knows.</summary>
internal static class AgentTable
{
    public static Table Render(IEnumerable<AgentInfo> agents, TimeProvider time)
    {
        var table = Tables.Create("NAME", "ID", "STATE", "SLOTS BUSY/TOTAL", "CORES", "MEMORY", "LOAD", "FFMPEG", "TAGS", "LAST SEEN");
        table.Columns[7].NoWrap = false;
        table.Columns[8].NoWrap = false;
        foreach (var agent in agents)
        {
            table.AddRow(
                Format.Escape(agent.Name),
                Format.Escape(agent.Id),
                Format.State(agent.State),
                $"{agent.Slots - Math.Min(agent.FreeSlots, agent.Slots)}/{agent.Slots}",
                agent.Cores.ToString(CultureInfo.InvariantCulture),
                Format.Bytes(agent.MemoryBytes),
                Format.Number(agent.LoadAverage),
                Format.Escape(agent.FfmpegVersion),
                Format.Escape(string.Join(",", agent.Tags)),
                Format.Time(agent.LastSeenTime, time));
        }

        return table;
    }
}
