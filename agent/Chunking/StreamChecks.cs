using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FFMpegCore;

namespace RenderFarm.Agent.Chunking;

/// <summary>Checks on a finished chunk or joined file that ffprobe's summary cannot make: a full decode and the timestamps.</summary>
public static class StreamChecks
{
    /// <summary>
    /// Decodes every stream in full (no frame or loop-filter skipping, no filters, frames thrown away by the null
    /// muxer); returns ffmpeg's complaints (empty when it decodes cleanly).
    /// </summary>
    /// <param name="threads">Decoder threads, as the agent's renders use; 0 = ffmpeg's choice (every core).</param>
    public static async Task<string> DecodeErrorsAsync(string path, CancellationToken cancellationToken, FFOptions? ffOptions = null, int threads = 0)
    {
        List<string> args = ["-nostdin", "-hide_banner", "-v", "error"];
        if (threads > 0) args.AddRange(["-threads", threads.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["-i", path, "-map", "0", "-f", "null", "-"]);
        var (_, errors) = await RunAsync(GlobalFFOptions.GetFFMpegBinaryPath(ffOptions ?? GlobalFFOptions.Current), args, cancellationToken).ConfigureAwait(false);
        return errors.Trim();
    }

    /// <summary>
    /// Why the timestamps are not steady, or null when they are: every frame has its own, strictly increasing
    /// timestamp, and for a constant rate every step is the same (to one tick).
    /// </summary>
    public static string? Unsteady(IReadOnlyList<long> sortedPts, bool constantRate)
    {
        ArgumentNullException.ThrowIfNull(sortedPts);
        if (sortedPts.Count < 2) return null;
        var steps = new List<long>(sortedPts.Count - 1);
        for (var i = 1; i < sortedPts.Count; i++)
        {
            var step = sortedPts[i] - sortedPts[i - 1];
            if (step <= 0) return $"frames {i - 1} and {i} share timestamp {sortedPts[i]}";
            steps.Add(step);
        }

        if (!constantRate) return null;
        var usual = steps.GroupBy(s => s).MaxBy(g => g.Count())!.Key;
        var odd = steps.FindIndex(s => Math.Abs(s - usual) > 1);
        return odd < 0 ? null : $"the step after frame {odd} is {steps[odd]} ticks, the others {usual}";
    }

    /// <summary>The first audio stream's codec name and duration, or null when the file has no audio.</summary>
    public static async Task<(string Codec, double Seconds)?> AudioAsync(string path, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        var (output, _) = await RunAsync(GlobalFFOptions.GetFFProbeBinaryPath(ffOptions ?? GlobalFFOptions.Current),
            ["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name,duration:format=duration", "-of", "default=nw=1", path], cancellationToken).ConfigureAwait(false);
        string? codec = null;
        double seconds = 0;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = (line.Split('=')[0], line[(line.IndexOf('=') + 1)..]);
            if (key == "codec_name") codec = value;
            else if (key == "duration" && seconds == 0 && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) seconds = d;
        }

        return codec is null ? null : (codec, seconds);
    }

    /// <summary>
    /// Every video frame's time in seconds from the file's start, in presentation order, and which are keyframes: one
    /// ffprobe pass over the packets, which also reads the file's start time.
    /// </summary>
    public static async Task<IReadOnlyList<(double Time, bool Key)>> VideoFramesAsync(string path, CancellationToken cancellationToken, FFOptions? ffOptions = null)
    {
        var binary = GlobalFFOptions.GetFFProbeBinaryPath(ffOptions ?? GlobalFFOptions.Current);
        var (output, errors) = await RunAsync(binary,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags:format=start_time", "-of", "csv", path], cancellationToken).ConfigureAwait(false);
        var origin = 0.0;
        var frames = new List<(double, bool)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(',');
            if (parts.Length < 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var t)) continue;
            if (parts[0] == "format") origin = t;
            else if (parts[0] == "packet" && parts.Length >= 3) frames.Add((t, parts[2].Contains('K', StringComparison.Ordinal)));
        }

        if (frames.Count == 0) throw new IOException($"ffprobe read no video frames: {errors.Trim()}");
        for (var i = 0; i < frames.Count; i++) frames[i] = (frames[i].Item1 - origin, frames[i].Item2);
        frames.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return frames;
    }

    internal static async Task<(string Output, string Errors)> RunAsync(string binary, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new IOException($"cannot start {binary}");
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
