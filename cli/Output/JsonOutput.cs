using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace RenderFarm.Cli.Output;

/// <summary>Writes proto messages as protobuf JSON, so `--json` output parses back into the proto.</summary>
public sealed class JsonOutput(TextWriter writer)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation());
    private static readonly JsonFormatter LineFormatter = new(JsonFormatter.Settings.Default);

    /// <summary>
    /// Makes, on a thread-pool thread, what formatting messages of <paramref name="descriptor"/>'s type needs: the
    /// descriptors and the field accessors of every message it can hold, which Google.Protobuf builds by reflection on
    /// first use (about 100 ms of a short-lived farmctl's JIT). `submit --wait --json` and `watch --json` call it while
    /// they wait, so printing the final state costs only the formatting.
    /// </summary>
    public static Task PrepareAsync(MessageDescriptor descriptor) => Task.Run(() =>
    {
        Touch(descriptor, []);
        Formatter.Format(descriptor.Parser.ParseFrom(ByteString.Empty));
    });

    private static void Touch(MessageDescriptor descriptor, HashSet<MessageDescriptor> seen)
    {
        if (!seen.Add(descriptor)) return;
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            _ = field.Accessor;
            if (field.FieldType == FieldType.Message) Touch(field.MessageType, seen);
        }
    }

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
