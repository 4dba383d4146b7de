using System.Globalization;
using RenderFarm.Testing;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>A real agent process (<c>dotnet renderfarm-agent.dll</c>) with its own working folder.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly ServiceProcess _process;

    private AgentProcess(AgentSettings settings, ServiceProcess process)
    {
        Settings = settings;
        _process = process;
    }

    public AgentSettings Settings { get; }

    public string Name => Settings.Name;

    public IReadOnlyList<string> Lines => _process.Lines;

    /// <param name="credentials">The farm's credentials: the agent enrolls with its token and keeps its credential in <paramref name="workDir"/>.</param>
    public static AgentProcess Start(AgentSettings settings, string coordinator, string mediaDir, string workDir, FarmLog log, FarmCredentials? credentials = null)
    {
        Directory.CreateDirectory(workDir);
        var environment = credentials?.AgentEnvironment(Path.Combine(workDir, "agent.credential")).ToDictionary() ?? new Dictionary<string, string>();
        if (settings.PathPrefix is { } prefix)
        {
            environment["PATH"] = prefix + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        }

        List<string> arguments =
        [
            $"--Agent:Coordinator={settings.Coordinator ?? coordinator}",
            $"--Agent:Name={settings.Name}",
            $"--Agent:Slots={settings.Slots.ToString(CultureInfo.InvariantCulture)}",
            $"--Agent:MediaRoots:media={(settings.Transfer ? Path.Combine(workDir, "no-such-mount") : mediaDir)}",
            $"--Agent:ReconnectMaxDelay={settings.ReconnectMaxDelay.ToString("c", CultureInfo.InvariantCulture)}",
            "--Agent:ProgressRate=4",
            $"--Agent:DataDirectory={workDir}",
        ];
        if (settings.ReconnectBackoffResetAfter is { } reset) arguments.Add($"--Agent:ReconnectBackoffResetAfter={reset.ToString("c", CultureInfo.InvariantCulture)}");
        if (settings.KeepAlivePingDelay is { } ping) arguments.Add($"--Agent:KeepAlivePingDelay={ping.ToString("c", CultureInfo.InvariantCulture)}");
        if (settings.Transfer)
        {
            arguments.AddRange(["--Agent:Storage=Transfer", $"--Agent:Transfer:CacheDirectory={Path.Combine(workDir, "cache")}",
                $"--Agent:Transfer:WorkDirectory={Path.Combine(workDir, "work")}", "--Agent:Transfer:RetryDelay=00:00:00.100"]);
        }

        var process = ServiceProcess.Start(settings.Name, BuildLayout.AgentDll, arguments, workDir, log, environment);
        return new AgentProcess(settings, process) { RunningFolder = Path.Combine(workDir, "renders", settings.Name, "running") };
    }

    /// <summary>Where the agent keeps a file per running render; its renders carry this folder as their mark.</summary>
    public string RunningFolder { get; private init; } = "";

    public int Pid => _process.Pid;

    public bool HasExited => _process.HasExited;

    /// <summary>kill -9 of the agent process alone, as when only it is killed (OOM killer, an operator's kill -9 of its pid).</summary>
    public void KillAlone() => _process.KillAlone();

    /// <summary>kill -9 of the agent and its ffmpeg: a machine that lost power.</summary>
    public void Kill() => _process.Kill();

    /// <summary>kill -9 of the agent before anything else (see <see cref="ServiceProcess.KillAtOnce"/>).</summary>
    public void KillAtOnce() => _process.KillAtOnce();

    public void Dispose() => _process.Dispose();
}
