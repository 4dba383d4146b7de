namespace RenderFarm.Coordinator.Jobs;

public sealed class JobNotFoundException(string jobId) : Exception($"job '{jobId}' does not exist")
{
    public string JobId { get; } = jobId;
}
