namespace RenderFarm.Coordinator.WatchFolders;

/// <summary>A watch folder as stored: where it is (a media root and a folder below it), its recipe and how it takes files.</summary>
public sealed record WatchFolderRecord(
    string Id, string Root, string Path, string RecipeName, TimeSpan Settle, bool RetakeChanged, bool Paused, string Owner,
    DateTimeOffset CreateTime, DateTimeOffset? ScanTime, string? Error);
