using System.Globalization;
using System.Runtime.InteropServices;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// The ffmpeg and ffprobe processes this agent started (its children, read from <c>/proc</c>), and what a guest does
/// to them when the machine's owner comes back: suspend and resume them (SIGSTOP / SIGCONT) or lower their priority.
/// Linux only; elsewhere the list is empty and the policy falls back to yielding.
/// </summary>
public static class FfmpegProcesses
{
    private const int SigStop = 19;
    private const int SigCont = 18;
    private const int PrioProcess = 0;

    /// <summary>Whether this machine lets the agent see and signal its ffmpeg processes.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && Directory.Exists("/proc/self");

    /// <summary>
    /// Process ids of the ffmpeg and ffprobe processes descended from <paramref name="parent"/> (default: this agent). A
    /// render starts through its launcher (a session of its own, see <c>Execution/RenderLauncher</c>), so its ffmpeg is a
    /// grandchild, not a child. The launcher's shell and its watcher carry the name too (a script named ffmpeg, and a
    /// fork of it) but run a shell: they are left out, so a paused render's watcher still stops the render when the
    /// agent dies.
    /// </summary>
    public static IReadOnlyList<int> Children(int? parent = null)
    {
        if (!Supported) return [];
        var self = parent ?? Environment.ProcessId;
        var processes = new Dictionary<int, (string Name, int ParentId)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (Stat(pid) is { } stat) processes[pid] = (stat.Name, stat.ParentId);
        }

        var found = new List<int>();
        foreach (var (pid, (name, _)) in processes)
        {
            if (!LowPriorityTools.Tools.Contains(name) || RunsAShell(pid)) continue;
            // Walk up to the agent; a bounded walk, since the table was read while processes came and went.
            var current = pid;
            for (var hops = 0; hops < 16 && processes.TryGetValue(current, out var p); hops++)
            {
                if (p.ParentId == self)
                {
                    found.Add(pid);
                    break;
                }

                current = p.ParentId;
            }
        }

        return found;
    }

    private static readonly HashSet<string> Shells = ["sh", "dash", "bash", "busybox", "nice", "ionice", "setsid"];

    /// <summary>Whether the process's program is a shell or a launcher tool (its <c>/proc/PID/exe</c>), not a media tool.</summary>
    private static bool RunsAShell(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget is { } target && Shells.Contains(Path.GetFileName(target));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A process's name, parent and nice value from <c>/proc/PID/stat</c>, or null once it is gone.</summary>
    public static (string Name, int ParentId, int Nice)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ..." — comm may hold spaces and parentheses, so split after its last ')'.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); ppid is field 4, nice is field 19.
        return (text[(open + 1)..close], int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[16], CultureInfo.InvariantCulture));
    }

    /// <summary>Suspends the processes (SIGSTOP); the ones already gone are skipped.</summary>
    public static void Suspend(IEnumerable<int> pids) => Signal(pids, SigStop);

    /// <summary>Resumes suspended processes (SIGCONT).</summary>
    public static void Resume(IEnumerable<int> pids) => Signal(pids, SigCont);

    /// <summary>Sets the processes' nice value (19 = lowest priority). A process may lower its children, not raise them back.</summary>
    public static void SetNice(IEnumerable<int> pids, int nice)
    {
        if (!Supported) return;
        foreach (var pid in pids) _ = SetPriority(PrioProcess, pid, nice);
    }

    private static void Signal(IEnumerable<int> pids, int signal)
    {
        if (!Supported) return;
        foreach (var pid in pids) _ = Kill(pid, signal);
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);
}
