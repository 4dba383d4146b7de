namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>Where a watched file is: settling (seen, not yet unchanged for long enough), taken as a job, or refused.</summary>
public enum WatchedFileState
{
    Settling = 1,
    Submitted = 2,
    Failed = 3,
}
