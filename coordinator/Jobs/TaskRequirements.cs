namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// What an agent must have to run a task: an encoder, filters and the media roots it touches; and the job's routing
/// rules (docs/routing.md): tags the agent must have, the pool it must be in, the most agents the job may run on at
/// once, and the farm-wide limit group its tasks count against.
/// </summary>
public sealed record TaskRequirements(string Encoder, IReadOnlyList<string> Filters, IReadOnlyList<string> MediaRoots)
{
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The pool whose agents may run it; empty for any agent.</summary>
    public string Pool { get; init; } = "";

    /// <summary>Distinct agents that may run the job's tasks at once; 0 for no cap.</summary>
    public int MaxAgents { get; init; }

    /// <summary>The limit group (lower case) its running tasks count against; empty for none.</summary>
    public string LimitGroup { get; init; } = "";

    /// <summary>Whether any routing rule applies (tasks without one keep the short stored form).</summary>
    public bool Routed => Tags.Count > 0 || Pool.Length > 0 || MaxAgents > 0 || LimitGroup.Length > 0;

    /// <summary>Whether a count of running attempts decides if it may start (a limit group or an agent cap).</summary>
    public bool Counted => MaxAgents > 0 || LimitGroup.Length > 0;

    /// <summary>
    /// <c>encoder;filters;roots</c>, then <c>;tags;pool;max agents;limit group</c> when a routing rule applies. Names
    /// are checked at submission (<see cref="RoutingNames"/>), so they hold no separator.
    /// </summary>
    public string Serialize() =>
        $"{Encoder};{string.Join(',', Filters)};{string.Join(',', MediaRoots)}"
        + (Routed ? $";{string.Join(',', Tags)};{Pool};{MaxAgents};{LimitGroup}" : "");

    public static TaskRequirements Parse(string text)
    {
        var parts = text.Split(';');
        var needs = new TaskRequirements(parts[0], Split(parts[1]), Split(parts[2]));
        if (parts.Length < 7) return needs;
        return needs with { Tags = Split(parts[3]), Pool = parts[4], MaxAgents = int.Parse(parts[5], System.Globalization.CultureInfo.InvariantCulture), LimitGroup = parts[6] };

        static string[] Split(string s) => s.Length == 0 ? [] : s.Split(',');
    }
}
