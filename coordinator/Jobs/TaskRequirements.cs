namespace RenderFarm.Coordinator.Jobs;

/// <summary>What an agent must have to run a task: an encoder, filters and the media roots it touches.</summary>
public sealed record TaskRequirements(string Encoder, IReadOnlyList<string> Filters, IReadOnlyList<string> MediaRoots)
{
    public string Serialize() =>
        $"{Encoder};{string.Join(',', Filters)};{string.Join(',', MediaRoots)}";

    public static TaskRequirements Parse(string text)
    {
        var parts = text.Split(';');
        return new TaskRequirements(parts[0], Split(parts[1]), Split(parts[2]));

        static string[] Split(string s) => s.Length == 0 ? [] : s.Split(',');
    }
}
