using RenderFarm.Cli.Output;
using Spectre.Console;

namespace RenderFarm.Cli.Tests.Output;

public sealed class ConsoleFactoryTests
{
    [Fact]
    public void Create_NotATerminal_WritesColouredMarkupAsPlainText()
    {
        var writer = new StringWriter();
        var console = ConsoleFactory.Create(writer, isTerminal: false);

        console.MarkupLine("[red]failed[/] [bold green]ok[/]");

        Assert.Equal("failed ok", writer.ToString().TrimEnd());
        Assert.False(console.Profile.Capabilities.Interactive);
    }

    [Fact]
    public void Create_NotATerminal_WideEnoughThatRowsDoNotWrap()
    {
        var writer = new StringWriter();
        var console = ConsoleFactory.Create(writer, isTerminal: false);
        var path = "/media/" + new string('x', 150) + ".mov";

        console.Write(new Table().AddColumn("PATH").AddRow(path));

        Assert.Contains(path, writer.ToString());
    }
}
