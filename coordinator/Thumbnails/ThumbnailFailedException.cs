namespace RenderFarm.Coordinator.Thumbnails;

/// <summary>A succeeded job's thumbnail cannot be made (its output moved, changed or unreadable); the message says why. FailedPrecondition.</summary>
public sealed class ThumbnailFailedException(string message) : Exception(message);
