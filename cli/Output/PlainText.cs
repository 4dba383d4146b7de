using Spectre.Console;
using Spectre.Console.Rendering;

namespace RenderFarm.Cli.Output;

/// <summary>Renders a widget to plain text at a fixed width: no colour, no ANSI, the same every time.</summary>
internal static class PlainText
{
    public static string Render(IRenderable renderable, int width)
    {
        var writer = new StringWriter();
        var console = ConsoleFactory.Create(writer, isTerminal: false);
        console.Profile.Width = width;
        console.Write(renderable);
        return writer.ToString();
    }
}
