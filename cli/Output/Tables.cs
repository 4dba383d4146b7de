using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>The one table style farmctl uses, so every listing looks alike.</summary>
internal static class Tables
{
    public static Table Create(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(column).NoWrap());
        }

        return table;
    }

    /// <summary>Two columns of label and value, for one object's details.</summary>
    public static Grid Properties() => new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();

    public static Grid Add(this Grid grid, string label, string valueMarkup) =>
        grid.AddRow(new Markup($"[bold]{Markup.Escape(label)}[/]"), new Markup(valueMarkup));
}
