using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// One timeline for a test: every line the coordinator and agents print, and the test's own notes, stamped with
/// the seconds since the farm started, so a failure dump reads in order across processes.
/// </summary>
public sealed class FarmLog
{
    private readonly ConcurrentQueue<(double At, string Source, string Line)> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Seconds since the farm started.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public void Add(string source, string line) => _lines.Enqueue((Now, source, line));

    /// <summary>Lines one process printed, in order (without stamps).</summary>
    public IReadOnlyList<string> LinesOf(string source) => _lines.Where(l => l.Source == source).Select(l => l.Line).ToList();

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (at, source, line) in _lines.OrderBy(l => l.At))
        {
            text.Append(CultureInfo.InvariantCulture, $"[{at,8:0.000} {source,-12}] {line}\n");
        }

        return text.ToString();
    }
}
