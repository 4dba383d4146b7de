namespace RenderFarm.Agent.Media;

/// <summary>A <c>.cube</c> file is malformed; the message names the line and what is wrong.</summary>
public sealed class LutFormatException : Exception
{
    public LutFormatException(string message, int? lineNumber = null)
        : base(lineNumber is { } line ? $"line {line}: {message}" : message)
    {
        LineNumber = lineNumber;
    }

    /// <summary>1-based line of the problem, or null when it concerns the whole file (e.g. the entry count).</summary>
    public int? LineNumber { get; }
}
