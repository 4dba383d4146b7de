using System.Text;
using RenderFarm.Agent.Link;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Logs;

/// <summary>
/// One attempt's whole log: ffmpeg's lines, its arguments and the pipeline's own steps, appended to a file and
/// streamed to the coordinator as <see cref="TaskLog"/> pieces (every flush interval, or at once when a line would
/// take the unsent text past <see cref="LogChunks.MaxBytes"/>). Each piece carries the UTF-8 byte offset of its text in the file. What the
/// outbox refuses (no stream, backed up) stays unsent and goes with a later piece; on a new stream the log is
/// sent again from offset 0. <see cref="Complete"/> queues the rest of the log before the final report.
/// </summary>
public sealed class AttemptLog : IDisposable
{
    /// <summary>Longer lines are cut, so every piece can end after a whole line.</summary>
    public const int MaxLineChars = 4096;

    private readonly Lock _lock = new();
    private readonly AgentOutbox _outbox;
    private readonly Action<AttemptLog, Exception>? _onWriteError;
    private readonly Action<AttemptLog>? _onClosed;
    private readonly ITimer? _timer;
    private FileStream? _file;
    private long _length;
    private long _sent;
    private long _sentGeneration = -1;
    private long _appendedSinceFlush;
    private bool _completed;

    internal AttemptLog(
        string attemptId,
        FileStream? file,
        AgentOutbox outbox,
        TimeProvider time,
        TimeSpan flushInterval,
        Action<AttemptLog, Exception>? onWriteError = null,
        Action<AttemptLog>? onClosed = null)
    {
        AttemptId = attemptId;
        Path = file?.Name;
        _file = file;
        _outbox = outbox;
        _onWriteError = onWriteError;
        _onClosed = onClosed;
        if (file is not null) _timer = time.CreateTimer(_ => Flush(), null, flushInterval, flushInterval);
    }

    public string AttemptId { get; }

    /// <summary>The log file; null when none could be made (the attempt runs without one).</summary>
    public string? Path { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length
    {
        get
        {
            lock (_lock) return _length;
        }
    }

    /// <summary>Appends text as lines (split at line breaks, each cut to <see cref="MaxLineChars"/>).</summary>
    public void Append(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock)
        {
            if (_completed || _file is null) return;
            try
            {
                foreach (var line in text.Split('\n'))
                {
                    var bytes = Encoding.UTF8.GetBytes(Shorten(line.TrimEnd('\r')) + "\n");
                    if (_appendedSinceFlush + bytes.Length > LogChunks.MaxBytes) FlushLocked();
                    if (_file is null) return;
                    _file.Write(bytes);
                    _length += bytes.Length;
                    _appendedSinceFlush += bytes.Length;
                }
            }
            catch (IOException ex)
            {
                BreakLocked(ex);
            }
        }
    }

    /// <summary>Sends what the current stream has not had yet, as far as the outbox takes it.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_completed) FlushLocked();
        }
    }

    /// <summary>
    /// Ends the log. With a final report, the rest of the log is queued before it (or the whole log, on a stream
    /// that has not had it); without one, the rest is sent if the outbox takes it.
    /// </summary>
    public void Complete(ConnectRequest? report)
    {
        lock (_lock)
        {
            if (_completed) return;
            _completed = true;
            _timer?.Dispose();
            CloseFileLocked();

            var generation = _outbox.Generation;
            var from = generation == _sentGeneration ? _sent : 0;
            var path = Path;
            var length = _length;
            if (report is null)
            {
                PostLiveLocked(generation, from);
            }
            else
            {
                var unsent = path is null ? [] : LogChunks.Read(path, from, length).Select(c => c.ToMessage(AttemptId)).ToList();
                _outbox.PostFinal(report, generation, unsent, () => path is null ? [] : LogChunks.Read(path, 0, length).Select(c => c.ToMessage(AttemptId)));
            }
        }

        _onClosed?.Invoke(this);
    }

    public void Dispose() => Complete(null);

    private void FlushLocked()
    {
        _appendedSinceFlush = 0;
        var generation = _outbox.Generation;
        PostLiveLocked(generation, generation == _sentGeneration ? _sent : 0);
    }

    private void PostLiveLocked(long generation, long from)
    {
        var room = _outbox.LiveRoom(generation);
        if (Path is null || from >= _length || room == 0) return;
        try
        {
            _file?.Flush();
        }
        catch (IOException ex)
        {
            BreakLocked(ex);
        }

        foreach (var chunk in LogChunks.Read(Path, from, _length, room))
        {
            if (!_outbox.TryPostLive(chunk.ToMessage(AttemptId), generation)) return;
            _sentGeneration = generation;
            _sent = chunk.End;
        }
    }

    private void BreakLocked(Exception ex)
    {
        CloseFileLocked();
        _onWriteError?.Invoke(this, ex);
    }

    private void CloseFileLocked()
    {
        try
        {
            _file?.Dispose();
        }
        catch (IOException)
        {
            // Already reported by the write that failed.
        }

        _file = null;
    }

    private static string Shorten(string line)
    {
        if (line.Length <= MaxLineChars) return line;
        var cut = char.IsHighSurrogate(line[MaxLineChars - 1]) ? MaxLineChars - 1 : MaxLineChars;
        return line[..cut];
    }
}
