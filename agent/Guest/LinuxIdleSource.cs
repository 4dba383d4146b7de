using System.Diagnostics;
using System.Globalization;

namespace RenderFarm.Agent.Guest;

/// <summary>
/// Linux: the shortest idle time among the machine's user sessions as logind knows them (<c>IdleHint</c> and
/// <c>IdleSinceHint</c> through <c>loginctl show-session</c>; a desktop sets them from keyboard and mouse), and among
/// its terminals (the last input on <c>/dev/pts/*</c> and <c>/dev/tty*</c> is their access time, as <c>w</c> reads it).
/// </summary>
public sealed class LinuxIdleSource : IIdleSource
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    public TimeSpan? IdleFor(DateTimeOffset now)
    {
        var sessions = SessionIdle(now);
        var terminals = TerminalIdle(now);
        return sessions is null ? terminals : terminals is null ? sessions : sessions < terminals ? sessions : terminals;
    }

    private static TimeSpan? SessionIdle(DateTimeOffset now)
    {
        var list = Run("loginctl", "list-sessions", "--no-legend");
        if (list is null) return null;
        TimeSpan? shortest = null;
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var id = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            var show = Run("loginctl", "show-session", id, "-p", "IdleHint", "-p", "IdleSinceHint", "-p", "Class");
            if (show is null) continue;
            var values = show.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
            if (values.GetValueOrDefault("Class") is { } c && c != "user") continue;
            var idle = values.GetValueOrDefault("IdleHint") == "yes"
                && long.TryParse(values.GetValueOrDefault("IdleSinceHint"), NumberStyles.None, CultureInfo.InvariantCulture, out var since) && since > 0
                ? now - DateTimeOffset.FromUnixTimeMilliseconds(since / 1000)
                : TimeSpan.Zero;
            if (idle < TimeSpan.Zero) idle = TimeSpan.Zero;
            if (shortest is null || idle < shortest) shortest = idle;
        }

        return shortest;
    }

    private static TimeSpan? TerminalIdle(DateTimeOffset now)
    {
        TimeSpan? shortest = null;
        foreach (var pattern in new[] { ("/dev/pts", "*"), ("/dev", "tty[0-9]*") })
        {
            if (!Directory.Exists(pattern.Item1)) continue;
            foreach (var terminal in Directory.EnumerateFileSystemEntries(pattern.Item1, pattern.Item2))
            {
                if (Path.GetFileName(terminal) == "ptmx") continue;
                try
                {
                    var idle = now - File.GetLastAccessTimeUtc(terminal);
                    if (idle < TimeSpan.Zero) idle = TimeSpan.Zero;
                    if (shortest is null || idle < shortest) shortest = idle;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        return shortest;
    }

    private static string? Run(string program, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }
}
