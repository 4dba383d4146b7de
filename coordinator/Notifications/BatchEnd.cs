using RenderFarm.Coordinator.Batches;
using RenderFarm.Coordinator.Jobs;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Notifications;

/// <summary>A batch all of whose jobs have ended: its counts, its state (as <see cref="BatchView.StateOf"/>), its jobs and when the last one ended.</summary>
public sealed record BatchEnd(BatchRecord Batch, BatchCounts Counts, JobState State, IReadOnlyList<JobRecord> Jobs, DateTimeOffset EndTime);
