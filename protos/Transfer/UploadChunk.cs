using System.Buffers;
using Google.Protobuf;
using RenderFarm.Protos.V1;

namespace RenderFarm.Protos.Transfer;

/// <summary>
/// An <see cref="UploadOutputRequest"/> as the coordinator receives it: the same wire format, its data in a
/// pooled buffer (see <see cref="ChunkWire"/>).
/// </summary>
public sealed class UploadChunk : PooledChunk
{
    private const int MaxText = 1024;

    /// <summary>An output's description (codec, size, hash, a chunk's packet proof) is far smaller than this.</summary>
    private const int MaxOutput = 64 * 1024;

    public string AgentId { get; set; } = "";

    public string AttemptId { get; set; } = "";

    /// <summary>Set on the last message, with the whole output's size and SHA-256.</summary>
    public bool Finish { get; set; }

    public ulong SizeBytes { get; set; }

    public string Sha256 { get; set; } = "";

    /// <summary>Set on the last message: what the agent verified (recorded with the publish grant); null when not sent.</summary>
    public OutputInfo? Output { get; set; }

    /// <summary>Parses the wire format of <see cref="UploadOutputRequest"/>.</summary>
    public static UploadChunk Parse(ReadOnlySequence<byte> payload)
    {
        var chunk = new UploadChunk();
        var wire = new ChunkWire(payload);
        try
        {
            while (wire.Next(out var field, out var type))
            {
                switch (field)
                {
                    case UploadOutputRequest.AgentIdFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Length);
                        chunk.AgentId = wire.ReadString(MaxText);
                        break;
                    case UploadOutputRequest.AttemptIdFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Length);
                        chunk.AttemptId = wire.ReadString(MaxText);
                        break;
                    case UploadOutputRequest.OffsetFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Varint);
                        chunk.Offset = wire.ReadVarint();
                        break;
                    case UploadOutputRequest.DataFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Length);
                        chunk.ReadData(ref wire);
                        break;
                    case UploadOutputRequest.ChecksumFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Varint);
                        chunk.Checksum = wire.ReadVarint();
                        break;
                    case UploadOutputRequest.FinishFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Varint);
                        chunk.Finish = wire.ReadVarint() != 0;
                        break;
                    case UploadOutputRequest.SizeBytesFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Varint);
                        chunk.SizeBytes = wire.ReadVarint();
                        break;
                    case UploadOutputRequest.Sha256FieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Length);
                        chunk.Sha256 = wire.ReadString(MaxText);
                        break;
                    case UploadOutputRequest.OutputFieldNumber:
                        ChunkWire.Expect(field, type, ChunkWire.Length);
                        chunk.Output = OutputInfo.Parser.ParseFrom(wire.ReadBytes(MaxOutput));
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
    public UploadOutputRequest ToMessage() => new()
    {
        AgentId = AgentId, AttemptId = AttemptId, Offset = Offset, Data = UnsafeByteOperations.UnsafeWrap(Data), Checksum = Checksum,
        Finish = Finish, SizeBytes = SizeBytes, Sha256 = Sha256, Output = Output,
    };
}
