using System.Diagnostics;
using System.Text;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>farmctl as a process of its own (a long-running `watch`, `logs --follow`, `top`), its output kept and logged.</summary>
public sealed class FarmctlProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly Lock _sync = new();

    private FarmctlProcess(Process process) => _process = process;

    public static FarmctlProcess Start(string name, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, FarmLog log)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuildLayout.FarmctlDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var farmctl = new FarmctlProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        farmctl._process.OutputDataReceived += (_, e) => farmctl.Add(farmctl._out, e.Data, log, name, "");
        farmctl._process.ErrorDataReceived += (_, e) => farmctl.Add(farmctl._err, e.Data, log, name, "stderr: ");
        farmctl._process.Start();
        farmctl._process.StandardInput.Close();
        farmctl._process.BeginOutputReadLine();
        farmctl._process.BeginErrorReadLine();
        log.Add(name, $"<started farmctl {string.Join(' ', arguments)}>");
        return farmctl;
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_sync) return _out.ToString();
        }
    }

    public string Error
    {
        get
        {
            lock (_sync) return _err.ToString();
        }
    }

    /// <summary>The exit code, or null when it had not ended within <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flushes the redirected output
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private void Add(StringBuilder to, string? line, FarmLog log, string name, string prefix)
    {
        if (line is null) return;
        lock (_sync) to.AppendLine(line);
        log.Add(name, prefix + line);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
