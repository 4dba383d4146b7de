using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// Reads a file in chunks from an offset, one chunk ahead: while the caller sends a chunk, the next one is
/// already being read. Two pooled buffers take turns.
/// </summary>
public sealed class ChunkFileReader : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly bool _ownsFile;
    private readonly byte[][] _buffers;
    private readonly int _chunkBytes;
    private readonly long _end;
    private long _next;
    private int _turn;
    private ValueTask<int> _ahead;

    /// <param name="end">Where reading stops: the file's size when it was opened for this transfer.</param>
    public ChunkFileReader(string path, long offset, long end, int chunkBytes)
        : this(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan), offset, end, chunkBytes, ownsFile: true)
    {
    }

    /// <summary>Reads an open file (opened once, beneath its media root); the file stays open unless <paramref name="ownsFile"/>.</summary>
    /// <param name="end">Where reading stops: the file's size when it was opened for this transfer.</param>
    public ChunkFileReader(SafeFileHandle file, long offset, long end, int chunkBytes, bool ownsFile)
    {
        _file = file;
        _ownsFile = ownsFile;
        _chunkBytes = chunkBytes;
        _end = end;
        _next = offset;
        _buffers = [ArrayPool<byte>.Shared.Rent(chunkBytes), ArrayPool<byte>.Shared.Rent(chunkBytes)];
        _ahead = ReadAsync(0, CancellationToken.None);
    }

    /// <summary>The next chunk (empty at the end), valid until the next call; this call starts reading the one after.</summary>
    public async ValueTask<Memory<byte>> NextAsync(CancellationToken cancellationToken)
    {
        var length = await _ahead.ConfigureAwait(false);
        var buffer = _buffers[_turn];
        _turn ^= 1;
        _ahead = length == 0 ? ValueTask.FromResult(0) : ReadAsync(_turn, cancellationToken);
        return buffer.AsMemory(0, length);
    }

    public void Dispose()
    {
        // A read still in flight would write into a buffer handed back to the pool: wait for it first.
        try
        {
            _ahead.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // The transfer is over; a failed read-ahead no longer matters.
        }

        if (_ownsFile) _file.Dispose();
        foreach (var buffer in _buffers) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Fills buffer <paramref name="turn"/> with the next chunk; 0 at the end.</summary>
    private async ValueTask<int> ReadAsync(int turn, CancellationToken cancellationToken)
    {
        var length = (int)Math.Min(_chunkBytes, _end - _next);
        if (length <= 0) return 0;
        var at = _next;
        _next += length;
        var data = _buffers[turn].AsMemory(0, length);
        var filled = 0;
        while (filled < length)
        {
            var read = await RandomAccess.ReadAsync(_file, data[filled..], at + filled, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new EndOfStreamException($"the file ended at byte {at + filled}, before the {_end} bytes expected");
            filled += read;
        }

        return length;
    }
}
