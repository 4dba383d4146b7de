namespace RenderFarm.Agent.Media.Mp4;

/// <summary>An MP4/MOV file is not whole: a box runs past the end, the movie box is missing, a sample lies outside the file.</summary>
public sealed class Mp4FormatException(string message) : Exception(message);
