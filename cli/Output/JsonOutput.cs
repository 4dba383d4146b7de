using Google.Protobuf;

namespace RenderFarm.Cli.Output;

/// <summary>Writes proto messages as protobuf JSON, so `--json` output parses back into the proto.</summary>
public sealed class JsonOutput(TextWriter writer)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation());
    private static readonly JsonFormatter LineFormatter = new(JsonFormatter.Settings.Default);

    /// <summary>One message as one indented document.</summary>
    public void Write(IMessage message)
    {
        writer.WriteLine(Formatter.Format(message));
        writer.Flush();
    }

    /// <summary>One message on one line, for streams (JSON Lines).</summary>
    public void WriteLine(IMessage message)
    {
        writer.WriteLine(LineFormatter.Format(message));
        writer.Flush();
    }
}
