namespace RenderFarm.Coordinator.Jobs;

/// <summary>An agent, task or attempt named in a request does not exist.</summary>
public sealed class NotFoundException(string message) : Exception(message);
