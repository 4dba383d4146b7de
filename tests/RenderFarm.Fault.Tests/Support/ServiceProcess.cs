using System.Diagnostics;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// A product process (<c>dotnet &lt;dll&gt; --Section:Key=value ...</c>) whose stdout and stderr go to the farm's
/// timeline. <see cref="Kill"/> is kill -9 of the process and everything it started (ffmpeg included).
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly FarmLog _log;

    private ServiceProcess(string name, Process process, FarmLog log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(string name, string dll, IEnumerable<string> arguments, string workingDirectory, FarmLog log, IReadOnlyDictionary<string, string>? environment = null)
    {
        // As from a terminal: SIGINT at its default. A test run started in the background by a script (scripts/test.sh
        // runs the fault tests beside the others) ignores SIGINT, every child inherits that, and .NET keeps it ignored,
        // so Ctrl-C would never reach the process. `env` execs dotnet, so the pid stays the process's own.
        var start = new ProcessStartInfo("env")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // One line per log entry with a timestamp, so the timeline stays readable.
        start.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        start.ArgumentList.Add("--Logging:Console:FormatterOptions:SingleLine=true");
        start.ArgumentList.Add("--Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.fff ");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) log.Add(name, e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) log.Add(name, "stderr: " + e.Data);
        };
        process.Exited += (_, _) => log.Add(name, "<process exited>");
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.Add(name, $"<started pid {process.Id}>");
        return new ServiceProcess(name, process, log);
    }

    /// <summary>
    /// SIGKILL to the process alone, sent before anything else (no walk of its children, no log line first): for a fault
    /// aimed at a moment a few milliseconds wide. Its children are killed after.
    /// </summary>
    public void KillAtOnce()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            return; // already gone
        }

        _log.Add(Name, "<kill -9, at once>");
        Kill();
    }

    /// <summary>SIGKILL to the process and its children (an agent's ffmpeg dies with it), then waits for the exit.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _log.Add(Name, "<kill -9>");
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGKILL to the process alone: what it started lives or dies by its own means.</summary>
    public void KillAlone()
    {
        if (_process.HasExited) return;
        _log.Add(Name, "<kill -9 of the process alone>");
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public int Pid => _process.Id;

    /// <summary>Lines this process printed so far.</summary>
    public IReadOnlyList<string> Lines => _log.LinesOf(Name);

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
    }
}
