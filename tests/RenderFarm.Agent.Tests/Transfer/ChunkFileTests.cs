using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using RenderFarm.Protos.Transfer;
using RenderFarm.Protos.V1;
using RenderFarm.Testing;

namespace RenderFarm.Agent.Tests.Transfer;

/// <summary>The read-ahead reader and the pipelined writer move a file's bytes in order, from any offset.</summary>
public sealed class ChunkFileTests : IDisposable
{
    private readonly TempDir _dir = new("chunks");

    public void Dispose() => _dir.Dispose();

    private static DownloadChunk Chunk(ReadOnlySpan<byte> data, long offset) =>
        DownloadChunk.Parse(new ReadOnlySequence<byte>(new DownloadBlobResponse { Offset = (ulong)offset, Data = ByteString.CopyFrom(data), Checksum = ChunkChecksum.Of(data) }.ToByteArray()));

    [Fact]
    public async Task Reader_FromAnOffset_ReturnsTheRestOfTheFileInChunks()
    {
        var bytes = new byte[(3 * 65536) + 123];
        new Random(5).NextBytes(bytes);
        var path = Path.Combine(_dir.Path, "source");
        await File.WriteAllBytesAsync(path, bytes);

        using var reader = new ChunkFileReader(path, 1000, bytes.Length, 65536);
        var read = new List<byte>();
        var sizes = new List<int>();
        Memory<byte> chunk;
        while (!(chunk = await reader.NextAsync(CancellationToken.None)).IsEmpty)
        {
            sizes.Add(chunk.Length);
            read.AddRange(chunk.ToArray());
        }

        Assert.Equal(bytes.AsSpan(1000).ToArray(), read.ToArray());
        Assert.Equal([65536, 65536, bytes.Length - 1000 - (2 * 65536)], sizes);
    }

    [Fact]
    public async Task Writer_AppendsChunksInOrder_HashesWhatItWrote_AndResumesAfterAStop()
    {
        var bytes = new byte[(5 * 65536) + 17];
        new Random(6).NextBytes(bytes);
        var path = Path.Combine(_dir.Path, "target");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // A first stream stops after two chunks; a second one resumes where the first one's writes ended.
        long written;
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            var writer = new ChunkFileWriter(file, hash, depth: 1);
            await writer.AddAsync(Chunk(bytes.AsSpan(0, 65536), 0), CancellationToken.None);
            await writer.AddAsync(Chunk(bytes.AsSpan(65536, 65536), 65536), CancellationToken.None);
            await writer.DisposeAsync();
            written = writer.Written;
            Assert.False(writer.Failed);
        }

        Assert.Equal(2 * 65536, written);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            file.Position = written;
            await using var writer = new ChunkFileWriter(file, hash);
            for (var at = (int)written; at < bytes.Length; at += 65536)
            {
                await writer.AddAsync(Chunk(bytes.AsSpan(at, Math.Min(65536, bytes.Length - at)), at), CancellationToken.None);
            }

            await writer.CompleteAsync();
            Assert.Equal(bytes.Length - written, writer.Written);
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(SHA256.HashData(bytes), hash.GetHashAndReset());
    }

    [Fact]
    public async Task Writer_WhenTheDiskRefuses_SaysSoAndIsMarkedFailed()
    {
        var path = Path.Combine(_dir.Path, "read-only");
        await File.WriteAllBytesAsync(path, []);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous);
        var writer = new ChunkFileWriter(file, hash);

        await writer.AddAsync(Chunk(new byte[100], 0), CancellationToken.None);

        await Assert.ThrowsAsync<TransferWriteException>(writer.CompleteAsync);
        await writer.DisposeAsync();
        Assert.True(writer.Failed);
    }
}
