namespace RenderFarm.Agent.Hosting;

/// <summary>What <c>renderfarm-agent --help</c> prints: how to run it and its main settings.</summary>
public static class AgentUsage
{
    public static bool Asked(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h" or "-?" or "/?" or "help");

    public const string Text = """
        usage: renderfarm-agent [--Agent:SETTING=VALUE ...]

        Renders the tasks a RenderFarm coordinator hands it, with ffmpeg. Settings come from appsettings.json beside
        the binary, environment variables (Agent__Slots=2) and the command line (--Agent:Slots=2).

        Main settings (section Agent):
          Coordinator        coordinator URL(s), comma-separated          http://127.0.0.1:7400
          Name               this agent's name in the farm                 the machine name
          EnrollmentToken    the farm's token, exchanged once for a credential
          DataDirectory      credential, logs and caches                    /var/lib/renderfarm/agent, else ~/.local/share/renderfarm/agent
          MediaRoots:NAME    folder of the media root NAME (replaces the default)  media=./media
          Slots              tasks at once                                  1
          FfmpegThreads      threads per ffmpeg, 0 = every core             0
          FfmpegNice         Unix nice value of ffmpeg and ffprobe           10
          DrainTimeout       on stop, how long running work may finish      00:10:00
          Storage            Shared (mounts the roots) or Transfer          Shared
          CaFile             PEM CA to trust for an https coordinator
          RefusedRetryDelay  after a refusal waiting cannot mend (revoked credential, wrong token or name,
                             untrusted certificate): logged once, retried this often  00:05:00
          ExitOnRefusal      stop with exit code 3 on such a refusal instead   false

        Spare machines (section Agent:Guest): IdleMinutes, OwnerReturns (pause|yield|lower),
          Hours ("Mon-Fri 19:00-08:00, Sat-Sun all day"), BlockingApps, MaxOtherCpuPercent, MinFreeDiskGB,
          MinFreeMemoryGB, WorkOnBattery. An operator can override Hours from the coordinator
          (farmctl agents schedule NAME "HOURS"). See docs/spare-machines.md.

        A setting that is wrong ends the agent with one line naming it and exit code 2.
        Services: docs/agent-services.md (systemd, Windows service, launchd).

        """;
}
