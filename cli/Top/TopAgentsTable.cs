using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Top;

/// <summary>The agents of `farmctl top`: state, slots, load, and a progress bar per attempt each one runs.</summary>
internal static class TopAgentsTable
{
    public static Table Render(IEnumerable<AgentInfo> agents)
    {
        var table = Tables.Create("AGENT", "STATE", "SLOTS", "LOAD", "WORK");
        table.Columns[1].NoWrap = false;
        foreach (var agent in agents.OrderBy(a => a.State == AgentState.Disconnected).ThenBy(a => a.Name, StringComparer.OrdinalIgnoreCase))
        {
            table.AddRow(
                new Markup(Format.Escape(agent.Name.Length > 0 ? agent.Name : agent.Id)),
                new Markup(StateMarkup(agent)),
                new Text(AgentTable.BusySlots(agent)),
                new Text(Format.Number(agent.LoadAverage, "0.0")),
                Work(agent));
        }

        return table;
    }

    private static IRenderable Work(AgentInfo agent)
    {
        if (agent.Running.Count == 0)
        {
            return new Text(Format.None);
        }

        var grid = new Grid()
            .AddColumn(new GridColumn().NoWrap().PadRight(1))
            .AddColumn(new GridColumn().NoWrap().PadRight(1))
            .AddColumn(new GridColumn().NoWrap().RightAligned().PadRight(1))
            .AddColumn(new GridColumn().NoWrap().RightAligned());
        foreach (var attempt in agent.Running.OrderBy(r => r.StartTime?.ToDateTimeOffset()))
        {
            grid.AddRow(
                new Text(AgentTable.JobName(attempt)),
                new PercentBar(attempt.Percent),
                new Text($"{Format.Number(attempt.Fps, "0.#")} fps"),
                new Text(Clock.Left(attempt.TimeLeft) ?? ""));
        }

        return grid;
    }

    private static string StateMarkup(AgentInfo agent) => agent.State switch
    {
        AgentState.Busy => "[blue]busy[/]",
        AgentState.Idle => "[green]idle[/]",
        AgentState.Draining or AgentState.Drained => $"[yellow]{Markup.Escape(AgentTable.State(agent))}[/]",
        AgentState.Away or AgentState.Paused => $"[grey]{Markup.Escape(AgentTable.State(agent))}[/]",
        AgentState.Disconnected => "[red]disconnected[/]",
        AgentState.Unreachable => "[red]unreachable[/]",
        _ => Markup.Escape(AgentTable.State(agent)),
    };
}
