using System.Globalization;

namespace RenderFarm.LoadSim;

/// <summary>Another process's CPU time and memory, from /proc (Linux).</summary>
public static class ProcessStats
{
    /// <summary>User + system CPU time the process has used.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>
    /// CPU time of a server and its child processes (PostgreSQL's postmaster and its backends): the process's own
    /// time, its ended children's, and its live children's.
    /// </summary>
    public static TimeSpan TreeCpuTime(int pid)
    {
        var ticks = Fields(pid) is { } own ? Ticks(own, 11) + Ticks(own, 12) + Ticks(own, 13) + Ticks(own, 14) : 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child) || child == pid) continue;
            if (Fields(child) is { } f && f[1] == pid.ToString(CultureInfo.InvariantCulture)) ticks += Ticks(f, 11) + Ticks(f, 12);
        }

        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // ended meanwhile
        }
    }

    private static long Ticks(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    /// <summary>A memory figure from /proc/PID/status in MiB: VmRSS (now) or VmHWM (peak).</summary>
    public static double MemoryMiB(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var kib = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return kib / 1024.0;
        }

        return double.NaN;
    }
}
