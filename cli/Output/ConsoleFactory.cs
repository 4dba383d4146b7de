using Spectre.Console;

namespace RenderFarm.Cli.Output;

/// <summary>
/// Creates the console farmctl writes tables and progress to. Off a terminal (pipe, file, test) it is
/// plain text: no ANSI escapes, no colour, no live redraws, and wide enough that rows do not wrap.
/// </summary>
public static class ConsoleFactory
{
    /// <summary>Width used when the output is not a terminal and has no width of its own.</summary>
    public const int RedirectedWidth = 200;

    public static IAnsiConsole Create(TextWriter writer, bool isTerminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
