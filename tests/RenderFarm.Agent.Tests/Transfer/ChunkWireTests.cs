using System.Buffers;
using Google.Protobuf;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;

namespace RenderFarm.Agent.Tests.Transfer;

/// <summary>The pooled chunk parsers read exactly what the generated messages write, and refuse what is broken.</summary>
public sealed class ChunkWireTests
{
    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The payload split into small segments, as Kestrel hands a received message over.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] payload, int segment)
    {
        Segment? first = null, last = null;
        for (var at = 0; at < payload.Length; at += segment)
        {
            var next = new Segment(payload.AsMemory(at, Math.Min(segment, payload.Length - at)), last);
            first ??= next;
            last = next;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }

    [Fact]
    public void DownloadChunk_ReadsTheGeneratedMessage_AcrossSegments()
    {
        var data = Bytes(1 << 20, 1);
        var message = new DownloadBlobResponse { Offset = 5_000_000_000, Data = ByteString.CopyFrom(data), Checksum = ChunkChecksum.Of(data) };

        using var chunk = DownloadChunk.Parse(Segmented(message.ToByteArray(), 4096));

        Assert.Equal(5_000_000_000UL, chunk.Offset);
        Assert.True(chunk.Data.Span.SequenceEqual(data));
        Assert.True(chunk.IsIntact);
        Assert.Equal(message, chunk.ToMessage());
    }

    [Fact]
    public void UploadChunk_ReadsEveryFieldOfTheGeneratedMessage_AndSkipsUnknownOnes()
    {
        var data = Bytes(70_000, 2);
        var message = new UploadOutputRequest
        {
            AgentId = "remote-ä", AttemptId = "a-1", Offset = 3 << 20, Data = ByteString.CopyFrom(data), Checksum = ChunkChecksum.Of(data),
            Finish = true, SizeBytes = 123_456_789, Sha256 = new string('c', 64),
            Output = new OutputInfo { SizeBytes = 123_456_789, Sha256 = new string('c', 64), FrameCount = 60, VideoCodec = "h264", Width = 320, Height = 180 },
        };
        // A field this build does not know (number 89, length-delimited: tag 714 as a two-byte varint), as a newer sender might add.
        var payload = message.ToByteArray().Concat(new byte[] { 0xCA, 0x05, 3, 1, 2, 3 }).ToArray();

        // Small segments, so the output's description (recorded with the publish grant) straddles one.
        using var chunk = UploadChunk.Parse(Segmented(payload, 50));

        Assert.Equal(message, chunk.ToMessage());
        Assert.Equal((60UL, "h264"), (chunk.Output!.FrameCount, chunk.Output.VideoCodec));
        Assert.True(chunk.IsIntact);
    }

    [Fact]
    public void FlippedByte_IsNotIntact()
    {
        var data = Bytes(4096, 3);
        var message = new DownloadBlobResponse { Data = ByteString.CopyFrom(data), Checksum = ChunkChecksum.Of(data) };
        var payload = message.ToByteArray();
        payload[^100] ^= 0x01;

        using var chunk = DownloadChunk.Parse(new ReadOnlySequence<byte>(payload));

        Assert.False(chunk.IsIntact);
    }

    [Fact]
    public void TruncatedMessage_IsRefused()
    {
        var payload = new DownloadBlobResponse { Offset = 1, Data = ByteString.CopyFrom(Bytes(1000, 4)), Checksum = 7 }.ToByteArray();

        var refused = Assert.Throws<InvalidDataException>(() => DownloadChunk.Parse(new ReadOnlySequence<byte>(payload, 0, payload.Length - 10)));
        Assert.Contains("longer than", refused.Message);
    }

    [Fact]
    public void ChunkLargerThanTheLimit_IsRefused()
    {
        var payload = new DownloadBlobResponse { Data = ByteString.CopyFrom(new byte[TransferLimits.MaxChunkBytes + 1]) }.ToByteArray();

        Assert.Throws<InvalidDataException>(() => DownloadChunk.Parse(new ReadOnlySequence<byte>(payload)));
    }

    [Fact]
    public void FieldWithTheWrongWireType_IsRefused()
    {
        // Field 1 (offset) sent as length-delimited.
        var payload = new byte[] { (1 << 3) | 2, 1, 0 };

        var refused = Assert.Throws<InvalidDataException>(() => DownloadChunk.Parse(new ReadOnlySequence<byte>(payload)));
        Assert.Contains("wire type", refused.Message);
    }
}
