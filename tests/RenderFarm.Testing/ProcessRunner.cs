using System.Diagnostics;

namespace RenderFarm.Testing;

/// <summary>Runs ffmpeg or ffprobe with an argument list (no shell, no quoting) and captures its output.</summary>
public static class ProcessRunner
{
    /// <summary>The result of a finished process.</summary>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs <paramref name="program"/> and returns its exit code and output; never throws for a non-zero exit.</summary>
    public static async Task<Result> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs ffmpeg (quiet, overwriting) and throws with its log when it fails.</summary>
    public static async Task FfmpegAsync(params string[] arguments)
    {
        var result = await RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-y", .. arguments]).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError}");
        }
    }
}
