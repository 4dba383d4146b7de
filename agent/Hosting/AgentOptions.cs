

namespace RenderFarm.Agent.Hosting;

/// <summary>The agent's settings, bound from the <c>Agent</c> configuration section (or <c>--Agent:Name=...</c>).</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>The coordinator to dial. Default <c>http://127.0.0.1:7400</c> (h2c on loopback).</summary>
    
    public string Coordinator { get; set; } = "http://127.0.0.1:7400";

    /// <summary>This agent's name, unique in the farm. Default: the machine name.</summary>
    

    public string Name { get; set; } = Environment.MachineName;

    /// <summary>Tasks run at once. Default 1 (ffmpeg already uses every core).</summary>

    public int Slots { get; set; } = 1;

    /// <summary>Free-form labels operators use to tell agents apart (e.g. <c>gpu</c>, <c>edit-suite</c>).</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>
    /// Media roots by name, mapped to this machine's folders. The names must match the coordinator's;
    /// the folders may differ (shared storage mounted elsewhere). Default: <c>media</c> at <c>./media</c>.
    /// </summary>
    public Dictionary<string, string> MediaRoots { get; set; } = new() { ["media"] = "media" };

    /// <summary>Longest wait between reconnection tries. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Progress reports per second, at most. Default 2.</summary>

    public double ProgressRate { get; set; } = 2;
}
