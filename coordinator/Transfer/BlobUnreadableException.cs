namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// A task's file cannot be hashed or served: it leads out of its media root, is not a regular file (a FIFO, device
/// or socket), does not exist, or did not answer within the time limit. Its job fails as bad input.
/// </summary>
public sealed class BlobUnreadableException(string message, Exception? inner = null) : IOException(message, inner);
