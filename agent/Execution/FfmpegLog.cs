using System.Globalization;
using System.Text.RegularExpressions;

namespace RenderFarm.Agent.Execution;

/// <summary>Reads ffmpeg's stderr as it comes: the statistics line (frame, fps, speed) and a tail of the log.</summary>
internal sealed partial class FfmpegLog(int tailLines)
{
    private readonly Queue<string> _tail = new();
    private readonly Lock _lock = new();
    private string? _lastStats;

    public long Frames { get; private set; }

    public double Fps { get; private set; }

    public double Speed { get; private set; }

    /// <summary>Takes one stderr line; returns true when it was a statistics line.</summary>
    public bool Add(string line)
    {
        lock (_lock)
        {
            var m = Stats().Match(line);
            if (!m.Success)
            {
                if (line.Length > 0)
                {
                    _tail.Enqueue(line.Length > 500 ? line[..500] : line);
                    while (_tail.Count > tailLines)
                    {
                        _tail.Dequeue();
                    }
                }

                return false;
            }

            _lastStats = line.Trim();
            Frames = long.Parse(m.Groups["frame"].Value, CultureInfo.InvariantCulture);
            Fps = double.TryParse(m.Groups["fps"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) ? fps : Fps;
            if (SpeedPattern().Match(line) is { Success: true } s)
            {
                Speed = double.Parse(s.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            return true;
        }
    }

    /// <summary>The kept lines (the last statistics line at the end), newline separated.</summary>
    public string Tail
    {
        get
        {
            lock (_lock)
            {
                return string.Join('\n', _lastStats is null ? _tail : _tail.Append(_lastStats));
            }
        }
    }

    [GeneratedRegex(@"^\s*frame=\s*(?<frame>\d+)\s+fps=\s*(?<fps>[\d.]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Stats();

    [GeneratedRegex(@"speed=\s*([\d.]+)x", RegexOptions.CultureInvariant)]
    private static partial Regex SpeedPattern();
}
