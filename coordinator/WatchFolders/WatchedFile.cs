namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>
/// A file a watch folder has seen, by its path below the folder: its size, modification time (ticks) and identity as last
/// seen, whether it is still settling or was taken (and as which job), and since when it has not changed.
/// </summary>
public sealed record WatchedFile(
    string RelPath, long Size, long Mtime, string Identity, WatchedFileState State, DateTimeOffset StableSince, string? JobId, string? Error);
