namespace RenderFarm.Coordinator.Jobs;

public sealed class JobNotFoundException(string jobId) : Exception($"job '{jobId}' does not exist (farmctl jobs lists them)")
{
    public string JobId { get; } = jobId;
}
