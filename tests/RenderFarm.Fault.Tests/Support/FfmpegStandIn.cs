using System.Diagnostics;
using System.Globalization;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// <c>ffmpeg</c> launchers for one agent (their folder goes first on that agent's PATH; ffprobe stays the real
/// one). Capability queries (<c>-version</c>, <c>-encoders</c>, <c>-filters</c>) always go to the real ffmpeg, so
/// the agent looks fully capable to the coordinator; only renders are changed.
/// </summary>
public static class FfmpegStandIn
{
    /// <summary>The text the failing stand-in prints before exiting 1.</summary>
    public const string CrashMessage = "fault-injection: simulated ffmpeg crash on this agent";

    /// <summary>Every render exits 1 after printing <see cref="CrashMessage"/> (a transient fault: retrying elsewhere helps).</summary>
    public static string WriteFailing(string folder) => Write(folder, $"""
        sleep 0.2
        echo "{CrashMessage}" >&2
        exit 1
        """);

    /// <summary>
    /// Renders with the real ffmpeg, reading the input at <paramref name="speed"/> times real time (<c>-readrate</c>),
    /// so the render is real but lasts at least duration / speed and costs little CPU. When ffmpeg has finished, the
    /// launcher marks that and holds its exit (so the agent cannot verify or publish yet) until the test calls
    /// <see cref="GatedFfmpeg.Release"/>. What is in flight at each step of a test then does not depend on how
    /// loaded the (shared, 2-core) machine is.
    /// </summary>
    public static GatedFfmpeg WriteGated(string folder, double speed)
    {
        var gate = new GatedFfmpeg(folder);
        Write(folder, $"""
            "{RealFfmpeg.Value}" -readrate {Number(speed)} "$@"
            code=$?
            touch "{gate.RenderedMarker}"
            while [ ! -e "{gate.ReleaseMarker}" ] && [ -d "{folder}" ]; do sleep 0.05; done
            exit $code
            """);
        return gate;
    }

    private static string Write(string folder, string renderBody)
    {
        Directory.CreateDirectory(folder);
        var script = $$"""
            #!/bin/sh
            # Stand-in ffmpeg written by RenderFarm.Fault.Tests.
            for arg in "$@"; do
              case "$arg" in
                -version|-encoders|-decoders|-filters|-codecs|-formats|-pix_fmts|-hwaccels|-buildconf) exec "{{RealFfmpeg.Value}}" "$@" ;;
              esac
            done
            {{renderBody}}

            """;
        var path = Path.Combine(folder, "ffmpeg");
        File.WriteAllText(path, script.ReplaceLineEndings("\n"));
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the stand-in ffmpeg is a POSIX shell script");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        return folder;
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static readonly Lazy<string> RealFfmpeg = new(() =>
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "ffmpeg");
            if (File.Exists(candidate)) return candidate;
        }

        throw new UnreachableException("ffmpeg is not on the PATH (scripts/lib/ensure-tools.sh installs it)");
    });
}
