namespace RenderFarm.Coordinator.Batches;

/// <summary>A batch as stored: its jobs are listed beside it (<c>rf_batch_jobs</c>) and their states are its progress.</summary>
public sealed record BatchRecord(
    string Id, long Seq, string Name, string RecipeName, uint RecipeVersion, string Owner, DateTimeOffset CreateTime, int Total);
