using System.Buffers;
using Google.Protobuf;
using RenderFarm.Protos.V1;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// A <see cref="DownloadBlobResponse"/> as the agent receives it: the same wire format, its data in a pooled
/// buffer (see <see cref="ChunkWire"/>).
/// </summary>
public sealed class DownloadChunk : PooledChunk
{
    /// <summary>Parses the wire format of <see cref="DownloadBlobResponse"/>.</summary>
    public static DownloadChunk Parse(ReadOnlySequence<byte> payload)
    {
        var chunk = new DownloadChunk();
        var wire = new ChunkWire(payload);
        try
        {
            while (wire.Next(out var field, out var type))
            {
                switch (field)
                {
                    case DownloadBlobResponse.OffsetFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Varint);
                        chunk.Offset = wire.ReadVarint();
                        break;
                    case DownloadBlobResponse.DataFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Length);
                        chunk.ReadData(ref wire);
                        break;
                    case DownloadBlobResponse.ChecksumFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Varint);
                        chunk.Checksum = wire.ReadVarint();
                        break;
                    default:
                        wire.Skip(type);
                        break;
                }
            }
        }
        catch
        {
            chunk.Dispose();
            throw;
        }

        return chunk;
    }

    /// <summary>The same chunk as the generated message (sharing its bytes, not copying them).</summary>
    public DownloadBlobResponse ToMessage() => new() { Offset = Offset, Data = UnsafeByteOperations.UnsafeWrap(Data), Checksum = Checksum };
}
