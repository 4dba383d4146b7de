using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Prometheus;
using RenderFarm.Coordinator.Media;
using RenderFarm.Coordinator.Observability;
using RenderFarm.Protos.Media.Beneath;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Transfer;

/// <summary>
/// Cuts, for a chunk task on an agent in transfer mode, the part of the input that chunk decodes: the video from the
/// chunk's seek keyframe to the piece end the planner chose (<see cref="ChunkRange.PieceEndSeconds"/>), by stream copy
/// (no re-encoding) into the source's own container with its timestamps and time base kept exactly
/// (<c>-copyts</c>, movie and track timescale = the stream's). The piece is a file of the job's work folder
/// (<c>piece-NNNN.mp4</c>), so it is served by hash like any blob and removed with the folder.
/// It is cut only when it pays: the source is MP4/MOV starting at 0 and the piece is at most
/// <see cref="ChunkPieceOptions.MaxShareOfInput"/> of the input. Otherwise, or when ffmpeg fails, the whole input travels.
/// </summary>
public sealed partial class ChunkPieces(
    BlobIndex index,
    MediaRoots roots,
    FarmMetrics farmMetrics,
    IOptions<ChunkPieceOptions> options,
    ILogger<ChunkPieces> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SourceFacts?>>> _sources = new();
    private readonly Counter _cut = Metrics.WithCustomRegistry(farmMetrics.Registry)
        .CreateCounter("renderfarm_transfer_pieces_total", "Chunk tasks sent a piece of their input cut by the coordinator instead of the whole input.");
    private readonly Counter _saved = Metrics.WithCustomRegistry(farmMetrics.Registry)
        .CreateCounter("renderfarm_transfer_piece_saved_bytes_total", "Input bytes that pieces kept off the network: the input's size minus the piece's, per piece sent.");

    private readonly ConcurrentDictionary<(string Sha256, double Start, double End), byte> _refused = new();

    /// <summary>
    /// What the cut needs to know about a source: its length, its video time base, the frame rate ffmpeg guesses for
    /// it (an encoder that keeps the source timing takes its rate from there) and where its video ends.
    /// </summary>
    private sealed record SourceFacts(double Duration, long TimeScale, string FrameRate, double VideoEnd);

    /// <summary>Pieces sent instead of a whole input since the coordinator started.</summary>
    public double PiecesSent => _cut.Value;

    /// <summary>A piece of <paramref name="input"/> for the chunk task <paramref name="work"/>, or null to send the whole input.</summary>
    /// <param name="work">The chunk task.</param>
    /// <param name="input">The task's whole input.</param>
    /// <param name="cancellationToken">Stops the cut.</param>
    /// <param name="count">Count the piece as sent (false when it is only cut ahead of the claim).</param>
    public async Task<ChunkPiece?> CutAsync(Assignment work, BlobRef input, CancellationToken cancellationToken, bool count = true)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return await TryCutAsync(work, input, count, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // A piece is an optimisation: whatever goes wrong, the whole input is sent.
            Log.CutFailed(logger, work.TaskId, ex.Message);
            return null;
        }
    }

    private async Task<ChunkPiece?> TryCutAsync(Assignment work, BlobRef input, bool count, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled || work.Kind != TaskKind.Chunk || work.Chunk is not { } chunk || PieceRef(work) is not { } media) return null;
        // The input is opened once, beneath its root, and must still be the version that was hashed; ffprobe and ffmpeg
        // read that open file (/proc/PID/fd/N), never its name.
        if (index.Find(input.Sha256) is not { } hashed) return null;
        using var source = index.Open(hashed);
        if (source is null) return null;
        var facts = await FactsAsync(hashed, cancellationToken);
        if (facts is null) return null;
        var end = chunk.Last || chunk.PieceEndSeconds <= 0 ? facts.Duration : chunk.PieceEndSeconds;
        var share = (end - chunk.SeekSeconds) / facts.Duration;
        if (share > o.MaxShareOfInput) return null;

        var key = (input.Sha256, chunk.SeekSeconds, end);
        if (_refused.ContainsKey(key)) return null;
        // The work folder is opened (made) beneath the root; the piece is written and renamed inside that open folder.
        var (folder, name) = roots.OpenFolder(media, create: true);
        using (folder)
        {
            if (!folder.Contains(name) && !await CutIntoAsync(source, folder, name, chunk, end < facts.Duration ? end : 0, facts, key, work.TaskId, cancellationToken))
            {
                return null;
            }
        }

        var blob = await index.DescribeAsync(media, cancellationToken);

        if (count)
        {
            _cut.Inc();
            _saved.Inc(Math.Max(0, (double)input.SizeBytes - blob.SizeBytes));
            Log.Cut(logger, work.TaskId, blob.SizeBytes, input.SizeBytes);
        }

        return new ChunkPiece { Blob = blob, StartSeconds = chunk.SeekSeconds, EndSeconds = end < facts.Duration ? end : 0 };
    }

    /// <summary>Whether <paramref name="media"/> is the piece of the chunk task <paramref name="work"/>.</summary>
    public bool Serves(Assignment work, MediaRef media) =>
        work.Kind == TaskKind.Chunk && PieceRef(work) is { } piece && piece.Equals(media);

    /// <summary>The piece's place in the job's work folder, beside the chunk file: <c>piece-NNNN</c> + the source's extension.</summary>
    private static MediaRef? PieceRef(Assignment work)
    {
        if (work.Chunk is null || work.Output is not { Root.Length: > 0 } || work.Input is not { Root.Length: > 0 }) return null;
        var extension = Path.GetExtension(work.Input.Path).ToLowerInvariant();
        if (extension is not (".mp4" or ".mov" or ".m4v")) return null;
        var slash = work.Output.Path.LastIndexOf('/');
        var folder = slash < 0 ? "" : work.Output.Path[..(slash + 1)];
        return new MediaRef { Root = work.Output.Root, Path = folder + string.Create(CultureInfo.InvariantCulture, $"piece-{work.Chunk.Index:D4}{extension}") };
    }

    private Task<SourceFacts?> FactsAsync(BlobIndex.Blob input, CancellationToken cancellationToken)
    {
        var lazy = _sources.GetOrAdd(input.Sha256, _ => new Lazy<Task<SourceFacts?>>(() => ProbeAsync(input)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Why a cut piece cannot stand in for the whole input, or null when it can. Its frame rate as ffmpeg guesses it
    /// must be the source's when the output keeps the source timing (the encoder is told that rate); a piece that runs
    /// to the end of the source must end where the source's video ends (the last frame's duration decides how the
    /// chunk ends). Both hold for constant-rate sources; a variable-rate source can differ.
    /// </summary>
    private async Task<string?> MismatchAsync(string piece, SourceFacts source, ChunkRange chunk)
    {
        var (ok, output) = await RunAsync(options.Value.Ffprobe,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate,start_time,duration", "-of", "json", "file:" + piece], CancellationToken.None);
        if (!ok) return "ffprobe cannot read the piece";
        try
        {
            using var json = JsonDocument.Parse(output);
            var stream = json.RootElement.GetProperty("streams")[0];
            var rate = stream.GetProperty("r_frame_rate").GetString() ?? "";
            if (chunk.FrameRate.Length == 0 && rate != source.FrameRate) return $"its frame rate reads {rate}, the source's {source.FrameRate}";
            var end = Seconds(stream, "start_time") + Seconds(stream, "duration");
            if (chunk.Last && Math.Abs(end - source.VideoEnd) > 1e-6) return $"its video ends at {end:0.######} s, the source's at {source.VideoEnd:0.######} s";
            return null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or IndexOutOfRangeException)
        {
            return "ffprobe gave no frame rate or duration for the piece";
        }
    }

    private static double Seconds(JsonElement element, string name) =>
        double.Parse(element.GetProperty(name).GetString() ?? "", CultureInfo.InvariantCulture);

    /// <summary>The source's facts, or null when it cannot be cut exactly (not MP4/MOV, or not starting at 0).</summary>
    private async Task<SourceFacts?> ProbeAsync(BlobIndex.Blob input)
    {
        // Its own open file: the probe may outlive the caller that started it, and ffprobe must never read a closed
        // (and perhaps reused) descriptor number.
        using var file = index.Open(input);
        if (file is null) return null;
        var path = file.ProcessPath;
        var (ok, output) = await RunAsync(options.Value.Ffprobe,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=time_base,r_frame_rate,start_time,duration:format=format_name,start_time,duration", "-of", "json", "file:" + path],
            CancellationToken.None);
        if (!ok) return null;
        try
        {
            using var json = JsonDocument.Parse(output);
            var format = json.RootElement.GetProperty("format");
            var name = format.GetProperty("format_name").GetString() ?? "";
            var start = double.Parse(format.GetProperty("start_time").GetString() ?? "", CultureInfo.InvariantCulture);
            var duration = double.Parse(format.GetProperty("duration").GetString() ?? "", CultureInfo.InvariantCulture);
            var stream = json.RootElement.GetProperty("streams")[0];
            var timeBase = stream.GetProperty("time_base").GetString() ?? "";
            var parts = timeBase.Split('/');
            if (!name.Contains("mp4", StringComparison.Ordinal) || Math.Abs(start) > 1e-6 || duration <= 0
                || parts.Length != 2 || parts[0] != "1" || !long.TryParse(parts[1], out var scale) || scale is <= 0 or > int.MaxValue)
            {
                Log.NotCuttable(logger, input.Media.Path, name, start, timeBase);
                return null;
            }

            return new SourceFacts(duration, scale, stream.GetProperty("r_frame_rate").GetString() ?? "", Seconds(stream, "start_time") + Seconds(stream, "duration"));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or IndexOutOfRangeException)
        {
            Log.NotCuttable(logger, input.Media.Path, "unreadable", 0, "");
            return null;
        }
    }

    /// <summary>
    /// Stream-copies the piece from the open <paramref name="source"/> to a temporary name in the open work
    /// <paramref name="folder"/> (ffmpeg writes through the folder's /proc/PID/fd name plus that fixed name), checks it,
    /// then renames it to <paramref name="name"/> inside the same folder. A piece that would not stand in for the input
    /// is removed and remembered as refused.
    /// </summary>
    private async Task<bool> CutIntoAsync(MediaFile source, MediaDirectory folder, string name, ChunkRange chunk, double end, SourceFacts facts,
        (string, double, double) key, string taskId, CancellationToken cancellationToken)
    {
        var extension = Path.GetExtension(name);
        var temp = $".{Path.GetFileNameWithoutExtension(name)}-{Guid.NewGuid():N}.part{extension}";
        var scale = facts.TimeScale.ToString(CultureInfo.InvariantCulture);
        List<string> args = ["-v", "error", "-nostdin", "-noaccurate_seek", "-ss", Num(chunk.SeekSeconds), "-i", "file:" + source.ProcessPath,
            "-map", "0:v:0", "-c", "copy", "-copyts", "-movie_timescale", scale, "-video_track_timescale", scale, "-map_metadata", "0"];
        if (end > 0) args.AddRange(["-to", Num(end)]);
        args.AddRange(["-f", extension == ".mov" ? "mov" : "mp4", "file:" + folder.ProcessPath + "/" + temp]);
        try
        {
            var (ok, error) = await RunAsync(options.Value.Ffmpeg, args, cancellationToken);
            if (!ok)
            {
                Log.CutFailed(logger, name, error);
                return false;
            }

            string? why;
            using (var piece = folder.OpenFile(temp))
            {
                why = await MismatchAsync(piece.ProcessPath, facts, chunk);
            }

            if (why is not null)
            {
                // The piece would not decode to the same frames and times as the whole input: it is never sent.
                _refused.TryAdd(key, 0);
                Log.PieceRefused(logger, taskId, why);
                return false;
            }

            folder.Rename(temp, folder, name, replace: true);
            return true;
        }
        finally
        {
            folder.DeleteFile(temp);
        }
    }

    private async Task<(bool Ok, string Output)> RunAsync(string program, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, $"cannot start {program}: {ex.Message}");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                return process.ExitCode == 0 ? (true, await stdout) : (false, (await stderr).Trim());
            }
            catch (OperationCanceledException)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                return (false, $"{program} took longer than {options.Value.Timeout}");
            }
        }
    }

    private static string Num(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Cut a piece for {TaskId}: {PieceBytes} bytes instead of the input's {InputBytes}")]
        public static partial void Cut(ILogger logger, string taskId, ulong pieceBytes, ulong inputBytes);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot cut a piece for {What}; the whole input is sent: {Error}")]
        public static partial void CutFailed(ILogger logger, string what, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "The piece cut for {TaskId} is not used, the whole input is sent: {Why}")]
        public static partial void PieceRefused(ILogger logger, string taskId, string why);

        [LoggerMessage(Level = LogLevel.Information, Message = "{File} is not cut into pieces (container {Format}, start {Start}, time base {TimeBase}); chunks get the whole input")]
        public static partial void NotCuttable(ILogger logger, string file, string format, double start, string timeBase);
    }
}
