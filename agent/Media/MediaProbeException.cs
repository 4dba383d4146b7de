namespace RenderFarm.Agent.Media;

/// <summary>ffprobe could not read a file, or it has no video stream.</summary>
public sealed class MediaProbeException(string message, Exception? inner = null) : Exception(message, inner);
