using System.Diagnostics;
using System.Globalization;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>What <c>/proc</c> says about this machine's processes: an agent's renders, its descendants, who is alive.</summary>
public static class LocalProcesses
{
    /// <summary>One process: its id, parent, process group and command name.</summary>
    public sealed record Entry(int Pid, int Parent, int Group, string Command);

    public static IReadOnlyList<Entry> All()
    {
        var entries = new List<Entry>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                if (fields[0] == "Z") continue;
                entries.Add(new Entry(pid, Parse(fields[1]), Parse(fields[2]), stat[(stat.IndexOf('(') + 1)..close]));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // It ended meanwhile.
            }
        }

        return entries;
    }

    /// <summary>Live processes (not zombies) that carry the render mark of an agent's <paramref name="runningFolder"/>: its renders, whatever became of the agent.</summary>
    public static IReadOnlyList<Entry> RendersOf(string runningFolder) =>
        All().Where(e => Marked(e.Pid, runningFolder)).ToList();

    /// <summary>The processes below <paramref name="pid"/>, deepest first.</summary>
    public static IReadOnlyList<Entry> Descendants(int pid)
    {
        var all = All();
        var found = new List<(Entry Entry, int Depth)>();
        void Walk(int parent, int depth)
        {
            foreach (var child in all.Where(e => e.Parent == parent))
            {
                found.Add((child, depth));
                Walk(child.Pid, depth + 1);
            }
        }

        Walk(pid, 1);
        return found.OrderByDescending(f => f.Depth).Select(f => f.Entry).ToList();
    }

    public static bool Alive(int pid) => All().Any(e => e.Pid == pid);

    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static bool Marked(int pid, string runningFolder)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains("RENDERFARM_RENDER_OF=" + runningFolder, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int Parse(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
