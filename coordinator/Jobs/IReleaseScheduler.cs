namespace RenderFarm.Coordinator.Jobs;

/// <summary>Persists "release this WAITING task at time T" (retry backoffs), so it survives a restart.</summary>
public interface IReleaseScheduler
{
    Task ScheduleReleaseAsync(string taskId, DateTimeOffset at, CancellationToken cancellationToken);
}
