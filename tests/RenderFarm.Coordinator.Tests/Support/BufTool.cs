using RenderFarm.Testing;

namespace RenderFarm.Coordinator.Tests.Support;

/// <summary>
/// The buf CLI: <c>$RENDERFARM_BUF</c> when set, else the copy scripts/lib/ensure-tools.sh installs in
/// <c>.tools/node_modules/.bin/buf</c>. A missing buf fails the test; it is never skipped.
/// </summary>
public static class BufTool
{
    public const string EnvironmentVariable = "RENDERFARM_BUF";

    public static string Path
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
            var path = string.IsNullOrEmpty(configured)
                ? System.IO.Path.Combine(RepoPaths.Root, ".tools", "node_modules", ".bin", "buf")
                : configured;
            return File.Exists(path)
                ? path
                : throw new Xunit.Sdk.XunitException(
                    $"buf was not found at {path}. Run scripts/lib/ensure-tools.sh (it installs buf into .tools/), or set {EnvironmentVariable}.");
        }
    }

    /// <summary>Runs buf in <paramref name="workingDirectory"/> and returns its exit code and output.</summary>
    public static async Task<ProcessRunner.Result> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new ProcessRunner.Result(process.ExitCode, await stdout, await stderr);
    }
}
