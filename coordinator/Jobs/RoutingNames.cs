using System.Text.RegularExpressions;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>What a tag, pool or limit group may be called: letters, digits, '.', '_' and '-', starting with a letter or digit.</summary>
public static partial class RoutingNames
{
    public const int MaxLength = 64;

    public const string Rule = "a name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string name) => name.Length <= MaxLength && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex Pattern();
}
