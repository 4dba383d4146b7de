namespace RenderFarm.Agent.Execution;

/// <summary>The coordinator did not let this attempt publish: its lease has ended. Nothing was published.</summary>
public sealed class PublishRefusedException(string reason) : Exception($"publishing was refused: {reason}");
