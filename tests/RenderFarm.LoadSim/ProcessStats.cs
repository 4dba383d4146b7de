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
