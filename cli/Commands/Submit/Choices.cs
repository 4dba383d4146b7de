using System.CommandLine;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>An option whose words map to proto enum values, e.g. --hdr keep → HdrMode.Keep.</summary>
internal sealed class Choices<T>(string name, string description, IReadOnlyDictionary<string, T> values)
    where T : struct, Enum
{
    public Option<string?> Option { get; } = CreateOption(name, description, values);

    /// <summary>The enum value for the given word, or <paramref name="fallback"/> when the option was not given.</summary>
    public T Get(ParseResult result, T fallback) =>
        result.GetValue(Option) is { } word ? values[word] : fallback;

    private static Option<string?> CreateOption(string name, string description, IReadOnlyDictionary<string, T> values)
    {
        var option = new Option<string?>(name)
        {
            Description = description,
            HelpName = string.Join("|", values.Keys),
        };
        option.AcceptOnlyFromAmong([.. values.Keys]);
        return option;
    }
}
