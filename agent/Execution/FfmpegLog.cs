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
    /// <summary>The first line in which ffmpeg said the input is damaged (truncated, invalid data, decode errors), or null.</summary>
    public string? InputDamage { get; private set; }

    public bool Add(string line)
    {
        lock (_lock)
        {
            var m = Stats().Match(line);
            if (!m.Success)
            {
                if (InputDamage is null && Damage().IsMatch(line)) InputDamage = Address().Replace(line.Trim(), "");
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

    [GeneratedRegex(@"partial file|Invalid data found when processing input|moov atom not found|[Ee]rror while decoding|Invalid NAL unit|corrupt (decoded )?frame|Packet corrupt")]
    private static partial Regex Damage();

    [GeneratedRegex(@" @ 0x[0-9a-f]+")]
    private static partial Regex Address();
}
