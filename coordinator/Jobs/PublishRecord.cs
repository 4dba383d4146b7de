using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Jobs;

/// <summary>
/// A publish grant as recorded (one per task, the latest): the attempt that may rename its output into place, where
/// (<paramref name="Output"/>, the task's output as a media reference) and exactly what (<paramref name="Published"/>:
/// size, SHA-256 and what the agent verified). A file found later at that path with this size and hash is the task's
/// own: the sweep commits it for the attempt that never reported, and a later attempt adopts it.
/// </summary>
public sealed record PublishRecord(string TaskId, string AttemptId, string JobId, MediaRef Output, OutputInfo Published, DateTimeOffset GrantTime)
{
    public long SizeBytes => (long)Published.SizeBytes;

    public string Sha256 => Published.Sha256;
}
