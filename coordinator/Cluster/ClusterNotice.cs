using System.Text.Json;
using System.Text.Json.Serialization;

namespace RenderFarm.Coordinator.Cluster;

/// <summary>
/// What coordinators tell each other about agents over PostgreSQL's <c>NOTIFY</c> (channel
/// <see cref="Channel"/>): an agent whose drain changed, or a batch of tasks' latest progress. A payload stays
/// under PostgreSQL's 8000-byte limit; a long batch is split.
/// </summary>
public sealed record ClusterNotice(
    [property: JsonPropertyName("o")] string Origin,
    [property: JsonPropertyName("d")] string? DrainedAgent,
    [property: JsonPropertyName("p")] IReadOnlyList<TaskProgressNote>? Progress)
{
    public const string Channel = "renderfarm_agents";
    private const int MaxProgressPerNotice = 40;

    public static string ForDrain(string origin, string agentId) => JsonSerializer.Serialize(new ClusterNotice(origin, agentId, null));

    public static IEnumerable<string> ForProgress(string origin, IReadOnlyList<TaskProgressNote> notes)
    {
        for (var i = 0; i < notes.Count; i += MaxProgressPerNotice)
        {
            yield return JsonSerializer.Serialize(new ClusterNotice(origin, null, notes.Skip(i).Take(MaxProgressPerNotice).ToList()));
        }
    }

    public static ClusterNotice? Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<ClusterNotice>(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A task's latest progress as the coordinator holding its agent heard it (time in Unix milliseconds).</summary>
public sealed record TaskProgressNote(
    [property: JsonPropertyName("j")] string JobId,
    [property: JsonPropertyName("t")] string TaskId,
    [property: JsonPropertyName("p")] double Percent,
    [property: JsonPropertyName("f")] double Fps,
    [property: JsonPropertyName("s")] double Speed,
    [property: JsonPropertyName("n")] long Frames,
    [property: JsonPropertyName("a")] long At);
