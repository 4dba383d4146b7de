using System.Diagnostics;
using System.Globalization;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// The machine as the operating system reports it. CPU, memory and battery are read on Linux (<c>/proc/stat</c>,
/// <c>/proc/meminfo</c>, <c>/sys/class/power_supply</c>); elsewhere they are unknown and those rules do not apply.
/// The CPU of others is the whole machine's busy time since the last reading minus the agent's and its ffmpeg's.
/// </summary>
public sealed class MachineProbe : IMachineProbe
{
    private (long Busy, long Total, long Own)? _last;

    public MachineReading Read(IReadOnlyCollection<string> diskFolders, bool withProcesses) =>
        new(withProcesses ? Processes() : [], OtherCpu(), FreeMemory(), FreeDisk(diskFolders), OnBattery());

    private static List<string> Processes()
    {
        var names = new List<string>();
        foreach (var process in Process.GetProcesses())
        {
            using (process)
            {
                try
                {
                    names.Add(process.ProcessName);
                }
                catch (InvalidOperationException)
                {
                    // It has just ended.
                }

                if (OperatingSystem.IsLinux()) names.Add(CommandName(process.Id));
            }
        }

        return names.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Linux keeps 15 characters of a name; the file name of the command's first word is whole ("Resolve", "blender").</summary>
    private static string CommandName(int pid)
    {
        try
        {
            var line = File.ReadAllText($"/proc/{pid}/cmdline");
            var first = line.Split('\0', 2)[0];
            return Path.GetFileName(first);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private double? OtherCpu()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var total = cpu.Take(8).Sum();
            var busy = total - cpu[3] - cpu[4];
            var own = OwnTicks();
            var last = _last;
            _last = (busy, total, own);
            if (last is not { } l || total <= l.Total) return null;
            var other = (double)(busy - l.Busy - (own - l.Own)) / (total - l.Total) * 100;
            return Math.Clamp(other, 0, 100);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The agent's CPU ticks, its finished children's and its running ffmpeg's.</summary>
    private static long OwnTicks()
    {
        static long Ticks(int pid, bool withChildren)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/stat");
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                // utime, stime, cutime, cstime are fields 14-17 (indexes 11-14 after the name).
                var sum = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                return withChildren ? sum + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture) : sum;
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
            {
                return 0;
            }
        }

        return Ticks(Environment.ProcessId, true) + FfmpegProcesses.Children().Sum(pid => Ticks(pid, true));
    }

    private static long? FreeMemory()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (string Path, long Bytes)? FreeDisk(IReadOnlyCollection<string> folders)
    {
        (string Path, long Bytes)? lowest = null;
        foreach (var folder in folders)
        {
            try
            {
                var free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
                if (lowest is null || free < lowest.Value.Bytes) lowest = (folder, free);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
            {
            }
        }

        return lowest;
    }

    /// <summary>A battery discharging and no mains adapter online.</summary>
    private static bool OnBattery()
    {
        const string supplies = "/sys/class/power_supply";
        if (!OperatingSystem.IsLinux() || !Directory.Exists(supplies)) return false;
        var discharging = false;
        foreach (var supply in Directory.EnumerateDirectories(supplies))
        {
            var type = Read(Path.Combine(supply, "type"));
            if (type == "Mains" && Read(Path.Combine(supply, "online")) == "1") return false;
            if (type == "Battery" && Read(Path.Combine(supply, "status")) == "Discharging") discharging = true;
        }

        return discharging;

        static string Read(string file)
        {
            try
            {
                return File.ReadAllText(file).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return "";
            }
        }
    }
}
