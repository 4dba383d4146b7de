using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RenderFarm.Agent.Execution;

/// <summary>
/// Makes a render's ffmpeg live and die with its agent (Linux). Each render starts through a small launcher script
/// written into <c>folder</c>: it runs ffmpeg in a session (and process group) of its own, so Ctrl-C on the agent's
/// terminal reaches the agent, which drains, and not ffmpeg; and a watcher beside it checks four times a second that
/// the agent is still the launcher's parent, killing the render's whole group as soon as it is not (the agent was
/// killed, even with -9). <c>PR_SET_PDEATHSIG</c> is not used: it fires when the <em>thread</em> that forked the child
/// ends, and .NET forks on thread-pool threads that retire while renders run.
/// <para>
/// Each running render leaves a file named by its process id in <c>folder/running</c>, and ffmpeg carries
/// <c>RENDERFARM_RENDER_OF=&lt;that folder&gt;</c> in its environment. An agent that starts stops every process group
/// such a file names whose leader still carries that mark (so a reused process id is never killed): renders left
/// behind when the launcher died with the agent (<c>kill -9</c> of the agent's whole process group).
/// </para>
/// On systems without <c>/proc</c>, <c>/bin/sh</c> or <c>setsid</c> (Windows, macOS) ffmpeg starts directly and
/// <see cref="BinaryFolder"/> is the configured one.
/// </summary>
public sealed class RenderLauncher
{
    /// <summary>The environment variable that marks a render's processes as this agent's.</summary>
    public const string MarkVariable = "RENDERFARM_RENDER_OF";

    private RenderLauncher(string binaryFolder, string? runningFolder)
    {
        BinaryFolder = binaryFolder;
        RunningFolder = runningFolder;
    }

    /// <summary>The folder FFMpegCore starts renders' <c>ffmpeg</c> from: the launcher's, or the configured one when renders are not supervised.</summary>
    public string BinaryFolder { get; }

    /// <summary>Where each running render leaves a file named by its process id; null when renders are not supervised.</summary>
    public string? RunningFolder { get; }

    public bool Supervised => RunningFolder is not null;

    /// <summary>Renders started directly, as configured (tests, and systems the launcher does not support).</summary>
    public static RenderLauncher Direct(string binaryFolder) => new(binaryFolder, null);

    /// <summary>
    /// Writes the launcher into <paramref name="folder"/> and stops the renders an earlier run of this agent left behind,
    /// or, where the launcher cannot work, starts renders directly from <paramref name="binaryFolder"/>.
    /// </summary>
    /// <param name="binaryFolder">The folder of the real ffmpeg; empty = the PATH.</param>
    public static RenderLauncher Prepare(string folder, string binaryFolder, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
        if (!OperatingSystem.IsLinux() || setsid is null || !File.Exists("/bin/sh") || !Directory.Exists("/proc"))
        {
            Log.Unsupervised(logger);
            return Direct(binaryFolder);
        }

        var running = Path.Combine(folder, "running");
        Directory.CreateDirectory(running);
        var stopped = StopStrays(running);
        if (stopped.Count > 0) Log.StraysStopped(logger, stopped.Count, string.Join(", ", stopped));
        var ffmpeg = binaryFolder.Length > 0 ? Path.Combine(Path.GetFullPath(binaryFolder), "ffmpeg") : "ffmpeg";
        var script = Path.Combine(folder, "ffmpeg");
        var text = Script(setsid, ffmpeg, running);
        if (!File.Exists(script) || File.ReadAllText(script) != text)
        {
            var temporary = script + ".new";
            File.WriteAllText(temporary, text);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.Move(temporary, script, overwrite: true);
        }

        return new RenderLauncher(folder, running);
    }

    /// <summary>
    /// Kills every process group that a file in <paramref name="running"/> names and whose leader carries this folder's
    /// mark, and removes the files. Returns the process ids of the groups it killed.
    /// </summary>
    public static IReadOnlyList<int> StopStrays(string running)
    {
        var stopped = new List<int>();
        foreach (var file in Directory.EnumerateFiles(running))
        {
            if (int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var leader) && IsMarked(leader, running))
            {
                foreach (var member in GroupMembers(leader)) Kill(member);
                stopped.Add(leader);
            }

            File.Delete(file);
        }

        return stopped;
    }

    /// <summary>Whether process <paramref name="pid"/> runs with this agent's render mark for <paramref name="running"/>.</summary>
    public static bool IsMarked(int pid, string running)
    {
        try
        {
            var environment = File.ReadAllText($"/proc/{pid}/environ");
            return environment.Split('\0').Contains($"{MarkVariable}={running}", StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The processes whose process group is <paramref name="group"/> (its leader first when it is alive).</summary>
    public static IReadOnlyList<int> GroupMembers(int group)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so fields are counted after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length > 2 && fields[2] == group.ToString(CultureInfo.InvariantCulture)) members.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // It ended meanwhile.
            }
        }

        return [.. members.OrderBy(p => p != group)];
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended meanwhile.
        }
    }

    /// <summary>
    /// The launcher. ffmpeg gets the launcher's stdin (FFMpegCore stops a render by writing <c>q</c> to it), stdout and
    /// stderr; the watcher gets none of them, so the agent sees the render's output end when ffmpeg ends. Its exit code
    /// is the launcher's. The watcher reads the launcher's parent from <c>/proc</c> (the shell's <c>$PPID</c> never
    /// changes) with shell builtins, so each check starts no process but its <c>sleep</c>; it finds the agent gone also when the agent killed the launcher itself (a cancel past its grace period).
    /// </summary>
    private static string Script(string setsid, string ffmpeg, string running)
    {
        var text = new StringBuilder();
        text.Append("#!/bin/sh\n");
        text.Append("# Written by the RenderFarm agent: one render's ffmpeg in a session of its own, stopped when the agent is gone.\n");
        text.Append("trap '' INT QUIT TSTP\n");
        text.Append("agent=$PPID\n");
        text.Append("exec 3<&0\n");
        text.Append(CultureInfo.InvariantCulture, $"{MarkVariable}={Quote(running)} {Quote(setsid)} {Quote(ffmpeg)} \"$@\" 0<&3 3<&- &\n");
        text.Append("render=$!\n");
        text.Append("exec 3<&-\n");
        text.Append(CultureInfo.InvariantCulture, $": > {Quote(running)}/$render\n");
        text.Append("(\n");
        // Shell builtins only (read, expansions, set): a check costs no process but sleep, about a quarter of the CPU
        // the sed | cut pipeline took (0.05 s against 0.19 s per 10 s of render, measured).
        text.Append("  while read -r stat < /proc/$$/stat && stat=${stat##*) } && set -- $stat && [ \"$2\" = \"$agent\" ]; do sleep 0.25; done\n");
        text.Append("  kill -KILL -$render 2>/dev/null\n");
        text.Append(") </dev/null >/dev/null 2>&1 &\n");
        text.Append("watcher=$!\n");
        text.Append("while :; do\n");
        text.Append("  wait $render\n");
        text.Append("  code=$?\n");
        text.Append("  kill -0 $render 2>/dev/null || break\n");
        text.Append("done\n");
        text.Append("kill $watcher 2>/dev/null\n");
        text.Append(CultureInfo.InvariantCulture, $"rm -f {Quote(running)}/$render\n");
        text.Append("exit $code\n");
        return text.ToString();
    }

    /// <summary>A single-quoted shell word.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
