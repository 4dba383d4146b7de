using System.Text;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Logs;

/// <summary>One piece of an attempt log: its UTF-8 bytes <c>[Offset, End)</c> of the file, as text.</summary>
public sealed record LogChunk(long Offset, long End, string Text)
{
    public ConnectRequest ToMessage(string attemptId) =>
        new() { Log = new TaskLog { AttemptId = attemptId, Offset = (ulong)Offset, Text = Text } };
}

/// <summary>Reads a stretch of an attempt log file as pieces of at most <see cref="MaxBytes"/>, cut after a line where it can be.</summary>
public static class LogChunks
{
    /// <summary>The largest piece, in bytes (well under gRPC's 4 MiB message limit).</summary>
    public const int MaxBytes = 32 * 1024;

    /// <summary>
    /// The bytes <c>[from, to)</c> of <paramref name="path"/>, at most <paramref name="maxChunks"/> pieces. A file that
    /// is gone or shorter yields what could be read.
    /// </summary>
    public static List<LogChunk> Read(string path, long from, long to, int maxChunks = int.MaxValue)
    {
        var chunks = new List<LogChunk>();
        if (from >= to || maxChunks <= 0) return chunks;

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.Position = from;
            var buffer = new byte[(int)Math.Min(MaxBytes, to - from)];
            while (from < to && chunks.Count < maxChunks)
            {
                var want = (int)Math.Min(MaxBytes, to - from);
                file.ReadExactly(buffer, 0, want);
                var take = from + want == to ? want : Cut(buffer.AsSpan(0, want));
                chunks.Add(new LogChunk(from, from + take, Encoding.UTF8.GetString(buffer, 0, take)));
                from += take;
                file.Position = from;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The log was removed or cut short: send what there is.
        }

        return chunks;
    }

    /// <summary>Where to end a piece that does not reach the end: after its last line, else before a split character.</summary>
    internal static int Cut(ReadOnlySpan<byte> window)
    {
        var newline = window.LastIndexOf((byte)'\n');
        if (newline >= 0) return newline + 1;

        var lead = window.Length - 1;
        while (lead > 0 && (window[lead] & 0xC0) == 0x80) lead--;
        var length = window[lead] switch
        {
            < 0x80 => 1,
            >= 0xF0 => 4,
            >= 0xE0 => 3,
            >= 0xC0 => 2,
            _ => 1,
        };
        return lead > 0 && lead + length > window.Length ? lead : window.Length;
    }
}
