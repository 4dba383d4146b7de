using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using RenderFarm.Agent.Execution;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Execution;

/// <summary>The launcher that runs a render's ffmpeg in its own session and stops it with its agent (Linux).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RenderLauncherTests : IDisposable
{
    private readonly TempDir _dir = new("launcher");
    private readonly List<int> _started = [];

    public void Dispose()
    {
        foreach (var pid in _started) KillQuietly(pid);
        _dir.Dispose();
    }

    /// <summary>An <c>ffmpeg</c> stand-in: writes its pid, session and group to <c>who</c>, echoes a line of stdin to stderr, exits 3.</summary>
    private string FakeFfmpeg(string body = "read line; echo \"got $line\" >&2; exit 3")
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "bin")).FullName;
        var path = Path.Combine(folder, "ffmpeg");
        File.WriteAllText(path, $"#!/bin/sh\necho \"$$ $(ps -o sid= -p $$) $(ps -o pgid= -p $$)\" > '{_dir.Path}/who'\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    private RenderLauncher Prepare(string binaryFolder) => RenderLauncher.Prepare(Path.Combine(_dir.Path, "renders"), binaryFolder, NullLogger.Instance);

    private int[] Who() => File.ReadAllText(Path.Combine(_dir.Path, "who")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public async Task Launcher_RunsFfmpegInASessionOfItsOwn_PassingStdinStderrAndTheExitCode()
    {
        var launcher = Prepare(FakeFfmpeg());
        Assert.True(launcher.Supervised);

        var start = new ProcessStartInfo(Path.Combine(launcher.BinaryFolder, "ffmpeg")) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-i");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync("q");
        process.StandardInput.Close();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(3, process.ExitCode);
        Assert.Contains("got q", stderr);
        var (pid, sid, group) = (Who()[0], Who()[1], Who()[2]);
        Assert.Equal((pid, pid), (sid, group));
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Empty(Directory.GetFiles(launcher.RunningFolder!));
    }

    [Fact]
    public async Task Launcher_ItsParentKilled_TheRenderIsGoneWithinASecond()
    {
        var launcher = Prepare(FakeFfmpeg("exec sleep 60"));
        // The launcher's parent stands in for the agent: kill -9 of it alone, as of an agent.
        var agent = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"'{launcher.BinaryFolder}/ffmpeg' </dev/null & wait" }, UseShellExecute = false })!;
        _started.Add(agent.Id);
        await Eventually(() => File.Exists(Path.Combine(_dir.Path, "who")) && Alive(Who()[0]), "the render to start");
        var render = Who()[0];
        Assert.True(RenderLauncher.IsMarked(render, launcher.RunningFolder!));

        agent.Kill();
        var killed = Stopwatch.StartNew();
        // The watcher looks four times a second; the bound leaves room for a loaded machine (the fault test
        // AgentLinkTests holds real agents to the 1 s target).
        await Eventually(() => !Alive(render), "the render to be killed", TimeSpan.FromSeconds(3));

        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(3), $"the render outlived its agent by {killed.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task Launcher_RenderPausedForTheOwner_ItsParentKilled_TheRenderIsStillGone()
    {
        // The render stands in for ffmpeg: a copy of sleep named ffmpeg, so the guest's pause finds it as it finds ffmpeg.
        var real = Directory.CreateDirectory(Path.Combine(_dir.Path, "real")).FullName;
        File.Copy("/bin/sleep", Path.Combine(real, "ffmpeg"));
        File.SetUnixFileMode(Path.Combine(real, "ffmpeg"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var launcher = Prepare(FakeFfmpeg($"exec '{real}/ffmpeg' 60"));
        var agent = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"'{launcher.BinaryFolder}/ffmpeg' </dev/null & wait" }, UseShellExecute = false })!;
        _started.Add(agent.Id);
        await Eventually(() => File.Exists(Path.Combine(_dir.Path, "who")) && Alive(Who()[0]) && Exe(Who()[0]) == Path.Combine(real, "ffmpeg"), "the render to start");
        var render = Who()[0];

        // The owner came back: the guest suspends what it finds. Only the render may stop, not the launcher's watcher.
        var paused = RenderFarm.Agent.Guest.FfmpegProcesses.Children(agent.Id);
        RenderFarm.Agent.Guest.FfmpegProcesses.Suspend(paused);
        Assert.Equal([render], paused);
        await Eventually(() => StateOf(render) == 'T', "the render to be stopped");

        agent.Kill();
        await Eventually(() => !Alive(render), "the paused render to be killed with its agent", TimeSpan.FromSeconds(3));
    }

    private static string? Exe(int pid) => new FileInfo($"/proc/{pid}/exe").LinkTarget;

    private static char StateOf(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        return text[text.LastIndexOf(')') + 2];
    }

    [Fact]
    public void StopStrays_KillsTheGroupsThatCarryTheMark_AndNoOtherProcess()
    {
        var launcher = Prepare("");
        var running = launcher.RunningFolder!;
        var stray = StartSession("sleep 60", mark: running);
        var stranger = StartSession("sleep 60", mark: null);
        File.WriteAllText(Path.Combine(running, stray.ToString(CultureInfo.InvariantCulture)), "");
        File.WriteAllText(Path.Combine(running, stranger.ToString(CultureInfo.InvariantCulture)), "");
        File.WriteAllText(Path.Combine(running, "999999999"), "");

        var stopped = RenderLauncher.StopStrays(running);

        Assert.Equal([stray], stopped);
        Assert.True(WaitGone(stray), "the marked stray still runs");
        Assert.True(Alive(stranger), "a process without the mark was killed");
        Assert.Empty(Directory.GetFiles(running));
    }

    /// <summary>A process in a new session (like a render), optionally with the render mark of <paramref name="mark"/>.</summary>
    private int StartSession(string command, string? mark)
    {
        var start = new ProcessStartInfo("/usr/bin/setsid") { UseShellExecute = false };
        start.ArgumentList.Add("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {command}");
        if (mark is not null) start.Environment[RenderLauncher.MarkVariable] = mark;
        using var process = Process.Start(start)!;
        _started.Add(process.Id);
        // Until setsid and the shell have exec'd into the command, /proc shows the test's own environment, without the
        // mark: wait for the command itself, as a stray of an earlier run would long be.
        var name = command.Split(' ')[0];
        var deadline = Stopwatch.StartNew();
        while (Comm(process.Id) != name && deadline.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
        return process.Id;
    }

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Alive and not a zombie.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool WaitGone(int pid)
    {
        var deadline = Stopwatch.StartNew();
        while (Alive(pid) && deadline.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(20);
        return !Alive(pid);
    }

    private static async Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(15))) throw new TimeoutException($"waited {deadline.Elapsed.TotalSeconds:0.0} s for {what}");
            await Task.Delay(20);
        }
    }

    private static void KillQuietly(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
        }
    }
}
