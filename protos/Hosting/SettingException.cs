namespace RenderFarm.Protos.Hosting;

/// <summary>A setting the service cannot start with, e.g. a media root that does not exist.</summary>
public sealed class SettingException(string setting, string problem) : Exception($"{setting}: {problem}")
{
    /// <summary>The setting's full name, e.g. <c>Agent:MediaRoots:media</c>.</summary>
    public string Setting { get; } = setting;
}
