namespace RenderFarm.Agent.Media;

/// <summary>A rendered file does not match what was asked for (codec, size, colour tags, duration, frames, audio).</summary>
public sealed class OutputVerificationException(string message) : Exception(message);
