using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// Where the agent runs ffmpeg and ffprobe from, decided in one place so that every render, probe and check runs at
/// low priority: on Linux and macOS a folder of two small wrappers, <c>exec nice -n N ionice -c 3 /path/to/ffmpeg "$@"</c>
/// (the idle I/O class where <c>ionice</c> exists), handed to FFMpegCore as its binary folder. <c>exec</c> keeps the
/// process id, so the agent's handle, its cancel and a pause signal reach ffmpeg itself. On Windows the agent lowers its
/// own priority class to BelowNormal, which the processes it starts inherit.
/// </summary>
public sealed class LowPriorityTools
{
    public static readonly string[] Tools = ["ffmpeg", "ffprobe"];

    private LowPriorityTools(string binaryFolder) => BinaryFolder = binaryFolder;

    /// <summary>The folder to give FFMpegCore (<c>FFOptions.BinaryFolder</c>); empty = ffmpeg from the PATH as it is.</summary>
    public string BinaryFolder { get; }

    /// <summary>
    /// Prepares the tools. <paramref name="nice"/> 0 and <paramref name="idleIo"/> false leave them as they are.
    /// </summary>
    /// <param name="sourceFolder">Where the real ffmpeg and ffprobe are; empty = the PATH.</param>
    /// <param name="wrapperFolder">Where to write the wrappers (the agent's data folder's <c>bin</c>).</param>
    public static LowPriorityTools Prepare(string sourceFolder, string wrapperFolder, int nice, bool idleIo)
    {
        if (nice == 0 && !idleIo) return new LowPriorityTools(sourceFolder);
        if (OperatingSystem.IsWindows())
        {
            using var self = Process.GetCurrentProcess();
            if (self.PriorityClass is ProcessPriorityClass.Normal or ProcessPriorityClass.AboveNormal or ProcessPriorityClass.High)
            {
                self.PriorityClass = ProcessPriorityClass.BelowNormal;
            }

            return new LowPriorityTools(sourceFolder);
        }

        var prefix = new StringBuilder("exec");
        if (nice != 0 && Find("nice", "") is { } niceBinary) prefix.Append(CultureInfo.InvariantCulture, $" {Quote(niceBinary)} -n {nice}");
        if (idleIo && OperatingSystem.IsLinux() && Find("ionice", "") is { } ionice) prefix.Append(CultureInfo.InvariantCulture, $" {Quote(ionice)} -c 3");

        var reals = Tools.Select(t => Find(t, sourceFolder)).ToList();
        if (reals.Any(r => r is null))
        {
            // Without ffmpeg the agent still starts; each task then fails as unsupported, naming what is missing.
            return new LowPriorityTools(sourceFolder);
        }

        Directory.CreateDirectory(wrapperFolder);
        foreach (var (tool, real) in Tools.Zip(reals))
        {
            var script = $"#!/bin/sh\n# Written by renderfarm-agent at start: {tool} at low priority (Agent:FfmpegNice, Agent:FfmpegIdleIo).\n{prefix} {Quote(real!)} \"$@\"\n";
            var path = Path.Combine(wrapperFolder, tool);
            var temporary = path + ".new";
            File.WriteAllText(temporary, script);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            File.Move(temporary, path, overwrite: true);
        }

        return new LowPriorityTools(wrapperFolder);
    }

    /// <summary>The full path of <paramref name="tool"/> in <paramref name="folder"/>, or on the PATH when the folder is empty.</summary>
    private static string? Find(string tool, string folder)
    {
        var folders = folder.Length > 0 ? [folder] : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.Select(f => Path.Combine(f, tool)).FirstOrDefault(File.Exists) is { } found ? Path.GetFullPath(found) : null;
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
