namespace RenderFarm.Agent.Media;

/// <summary>The output settings or grade are invalid or do not fit together; the message names the field to change.</summary>
public sealed class RenderSettingsException(string field, string message) : Exception($"{field}: {message}")
{
    /// <summary>The proto field at fault, e.g. <c>frame_rate</c> or <c>grade.exposure</c>.</summary>
    public string Field { get; } = field;
}
