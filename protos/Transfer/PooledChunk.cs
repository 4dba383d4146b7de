using System.Buffers;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// The bytes of one received transfer chunk, in a buffer rented from the shared pool. Dispose returns the
/// buffer; a chunk that is never disposed is simply collected.
/// </summary>
public abstract class PooledChunk : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    /// <summary>Where <see cref="Data"/> starts in the file.</summary>
    public ulong Offset { get; set; }

    /// <summary>XXH3 (64-bit) of <see cref="Data"/> as the sender computed it.</summary>
    public ulong Checksum { get; set; }

    /// <summary>The chunk's bytes; valid until the chunk is disposed.</summary>
    public Memory<byte> Data => _buffer is null ? Memory<byte>.Empty : _buffer.AsMemory(0, _length);

    /// <summary>Whether <see cref="Data"/> matches <see cref="Checksum"/>.</summary>
    public bool IsIntact => ChunkChecksum.Of(Data.Span) == Checksum;

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        _length = 0;
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        GC.SuppressFinalize(this);
    }

    /// <summary>Reads a length-delimited field into the pooled buffer (a repeated field replaces the earlier one, as in protobuf).</summary>
    internal void ReadData(ref ChunkWire wire)
    {
        var length = wire.ReadLength(TransferLimits.MaxChunkBytes);
        if (_buffer is { } old && old.Length < length)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(old);
        }

        _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        _length = length;
        wire.Copy(_buffer.AsSpan(0, length));
    }
}
