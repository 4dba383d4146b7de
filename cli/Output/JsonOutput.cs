using Google.Protobuf;

namespace RenderFarm.Cli.Output;

/// <summary>Writes one proto message as one protobuf-JSON document, so `--json` output parses back into the proto.</summary>
public sealed class JsonOutput(TextWriter writer)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation());

    public void Write(IMessage message)
    {
        writer.WriteLine(Formatter.Format(message));
        writer.Flush();
    }
}
