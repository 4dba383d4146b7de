namespace RenderFarm.Coordinator.Jobs;

/// <summary>The job exists but is not in a state that allows the operation (e.g. canceling a finished job).</summary>
public sealed class JobStateConflictException(string message) : Exception(message);
